'use client'
import type { DefaultCellComponentProps } from 'payload'
import React from 'react'

import '../newsroom.scss'

type MediaRow = {
  id?: number | string
  filename?: string | null
  externalUrl?: string | null
  thumbnailURL?: string | null
  url?: string | null
  alt?: string | null
}

/** The name a media item is known by: its file's, else the last part of its external URL's path. */
export const mediaName = (row: MediaRow): string => {
  if (row.filename) return row.filename
  if (row.externalUrl) {
    try {
      const url = new URL(row.externalUrl)
      const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '')
      return last || url.host
    } catch {
      // Stored before the URL rules: show it as it is.
      return row.externalUrl
    }
  }
  return row.id != null ? `#${row.id}` : ''
}

/**
 * The media list's image column: the thumbnail (an imported image's own external URL, lazily
 * loaded) and, for an image with no file here, a name from its URL, where Payload's file column
 * reads "null". Not a linked column: drawers pick a document by the first (file) column.
 */
export const MediaPreviewCell: React.FC<DefaultCellComponentProps> = ({ rowData }) => {
  const row = rowData as MediaRow
  const src = row.thumbnailURL || row.url
  return (
    <span className="nr-media-cell" data-testid="media-preview">
      {src ? <img alt={row.alt ?? ''} decoding="async" loading="lazy" src={src} /> : null}
      {/* A file's name is in the file column; an imported image's is its URL's last part. */}
      {!row.filename && <span>{mediaName(row)}</span>}
    </span>
  )
}
