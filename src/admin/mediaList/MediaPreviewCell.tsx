'use client'
import type { DefaultCellComponentProps } from 'payload'
import Link from 'next/link'
import React from 'react'

import '../newsroom.scss'

import { useRoutes } from '../shared'

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
 * loaded) and its name, where Payload's file column showed a file icon and "null" for images that
 * have no file here.
 */
export const MediaPreviewCell: React.FC<DefaultCellComponentProps> = ({
  cellData,
  rowData,
  link,
  collectionSlug,
  onClick,
}) => {
  const routes = useRoutes()
  const row = rowData as MediaRow
  const src = row.thumbnailURL || row.url
  const content = (
    <span className="nr-media-cell" data-testid="media-preview">
      {src ? <img alt={row.alt ?? ''} decoding="async" loading="lazy" src={src} /> : null}
      <span>{mediaName(row)}</span>
    </span>
  )
  // In an upload or relationship drawer the first column picks the document, as Payload's own cell.
  if (typeof onClick === 'function')
    return (
      <button
        className="nr-link-button"
        onClick={() => onClick({ cellData, collectionSlug, rowData })}
        type="button"
      >
        {content}
      </button>
    )
  if (!link || row.id == null) return content
  return (
    <Link
      href={`${routes.admin}/collections/${collectionSlug}/${encodeURIComponent(String(row.id))}`}
      prefetch={false}
    >
      {content}
    </Link>
  )
}
