'use client'
import { FieldLabel, useField } from '@payloadcms/ui'
import type { JSONFieldClientComponent } from 'payload'
import React from 'react'

import { useNewsroomTranslation } from './shared'

/** Past this many characters the viewer shows the start and says how much it left out. */
const SHOWN_CHARS = 100_000

/**
 * A read-only JSON field shown as text. Payload's JSON field edits with Monaco, which its loader
 * fetches from a CDN: on a machine without internet the field shimmered forever. Everything the
 * admin needs is served by this server (the CSP allows no other host).
 */
export const JsonViewer: JSONFieldClientComponent = ({ field, path }) => {
  const { t } = useNewsroomTranslation()
  const { value } = useField<unknown>({ path: path ?? field.name })
  const text = value === undefined || value === null ? '' : JSON.stringify(value, null, 2)
  const shown = text.length > SHOWN_CHARS ? text.slice(0, SHOWN_CHARS) : text
  return (
    <div className="field-type json-field newsroom-json-viewer" data-testid={`json-${field.name}`}>
      <FieldLabel label={field.label} path={path} />
      {text ? (
        <pre className="newsroom-json-viewer__text">{shown}</pre>
      ) : (
        <p className="field-description">—</p>
      )}
      {shown.length < text.length && (
        <p className="field-description">
          {t('newsroom:jsonTruncated', { shown: shown.length, total: text.length })}
        </p>
      )}
    </div>
  )
}
