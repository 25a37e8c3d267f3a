'use client'
import { useFormFields } from '@payloadcms/ui'
import React from 'react'

import { useNewsroomTranslation } from '../shared'

/**
 * At the top of a source's ingest health: "Never polled" for a source ingest has not read yet (its
 * date fields, hidden while empty, read as blank boxes), "Never succeeded" for one whose polls all
 * failed so far. Nothing once a poll has succeeded: the dates below say it.
 */
export const IngestHealthSummary: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const lastPolledAt = useFormFields(([fields]) => fields['ingestStatus.lastPolledAt']?.value)
  const lastSuccessAt = useFormFields(([fields]) => fields['ingestStatus.lastSuccessAt']?.value)
  const message = !lastPolledAt
    ? t('newsroom:neverPolled')
    : !lastSuccessAt
      ? t('newsroom:neverSucceeded')
      : undefined
  if (!message) return null
  return (
    <p className="field-type nr-muted" data-testid="ingest-health-summary">
      {message}
    </p>
  )
}
