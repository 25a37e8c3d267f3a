'use client'
import { useRowLabel } from '@payloadcms/ui'
import React from 'react'

import {
  EDITORIAL_STATE_KEYS,
  type EditorialState,
  useFormatDate,
  useNewsroomTranslation,
} from '../shared'

type LogEntry = {
  from?: string | null
  to?: string | null
  note?: string | null
  at?: string | null
}

/** "In review → Approved · 2026-11-28 15:01" instead of "Editorial Log 01". */
export const EditorialLogRowLabel: React.FC = () => {
  const { data, rowNumber } = useRowLabel<LogEntry>()
  const { t } = useNewsroomTranslation()
  const formatDate = useFormatDate()
  const label = (state?: string | null) =>
    state === 'published'
      ? t('newsroom:statePublished')
      : state && state in EDITORIAL_STATE_KEYS
        ? t(EDITORIAL_STATE_KEYS[state as EditorialState])
        : (state ?? '?')
  const when = formatDate(data?.at)
  if (!data?.to) return <span>#{(rowNumber ?? 0) + 1}</span>
  return (
    <span title={data.note ?? undefined}>
      {label(data.from)} → {label(data.to)}
      {when && ` · ${when}`}
    </span>
  )
}
