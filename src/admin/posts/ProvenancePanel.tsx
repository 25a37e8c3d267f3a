'use client'
import './../newsroom.scss'

import { useFormFields } from '@payloadcms/ui'
import React from 'react'

import { useNewsroomTranslation } from '../shared'

/**
 * Where a post came from, at a glance in the sidebar: the original URL (a link), the archive file and
 * the importer's warnings. Display only; the underlying fields are read-only in the Provenance tab.
 */
export const ProvenancePanel: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const sourceUrl = useFormFields(([f]) => f.sourceUrl?.value) as string | undefined
  const archiveFile = useFormFields(([f]) => f['provenance.archiveFile']?.value) as
    string | undefined
  const warnings = useFormFields(([f]) => f['review.warnings']?.value) as string[] | undefined
  const fidelity = useFormFields(([f]) => f['review.fidelity']?.value) as number | undefined

  const imported = Boolean(archiveFile)
  return (
    <div className="nr-provenance" data-testid="provenance-panel">
      <h4>{t('newsroom:provenance')}</h4>
      <p className="nr-hint">{t('newsroom:provenanceHint')}</p>
      {sourceUrl && (
        <p>
          <strong>{t('newsroom:originalUrl')}: </strong>
          <a href={sourceUrl} rel="noopener noreferrer nofollow" target="_blank">
            {sourceUrl}
          </a>
        </p>
      )}
      {imported ? (
        <>
          <p>
            <strong>{t('newsroom:archiveFile')}: </strong>
            <code>{archiveFile}</code>
          </p>
          {typeof fidelity === 'number' && (
            <p>{t('newsroom:fidelity', { value: Math.round(fidelity * 100) })}</p>
          )}
          {warnings && warnings.length > 0 && (
            <>
              <strong>{t('newsroom:importWarnings')}</strong>
              <ul className="nr-list">
                {warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : (
        <p className="nr-muted">{t('newsroom:notImported')}</p>
      )}
    </div>
  )
}
