'use client'
import type { DefaultCellComponentProps } from 'payload'
import React from 'react'

import { useNewsroomTranslation } from '../shared'

/**
 * The posts list's "Needs review" column: a checkmark on the posts that need review and nothing on
 * the others, where Payload's checkbox cell put a `false` chip on every row.
 */
export const FlaggedCell: React.FC<DefaultCellComponentProps> = ({ cellData }) => {
  const { t } = useNewsroomTranslation()
  if (cellData !== true) return null
  return (
    <span
      aria-label={t('newsroom:filterFlagged')}
      data-testid="flagged-mark"
      title={t('newsroom:filterFlagged')}
    >
      ✓
    </span>
  )
}
