'use client'
import { DefaultCell, useListDrawerContext } from '@payloadcms/ui'
import type { DefaultCellComponentProps } from 'payload'
import React from 'react'

type MediaRow = {
  id?: number | string
  filename?: string | null
  externalUrl?: string | null
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
 * The media list's file column (the list, and the upload and relationship drawers): Payload's own
 * file cell, thumbnail and name, with a name for an imported image that has no file here (its URL's
 * last part), where Payload's cell wrote "null". The thumbnail is the external URL (Media's afterRead
 * gives such images `url`, `thumbnailURL` and an image type).
 *
 * A custom cell is not wrapped by Payload's first-column handling, so in a drawer it picks the
 * document itself (as `RenderDefaultCell` does in @payloadcms/ui 3.90) and elsewhere links to it.
 */
export const MediaFileCell: React.FC<DefaultCellComponentProps> = (props) => {
  const { drawerSlug, onSelect } = useListDrawerContext()
  const row = props.rowData as MediaRow
  const cellProps: DefaultCellComponentProps = { ...props, cellData: mediaName(row) }
  if (props.link && drawerSlug) {
    cellProps.className = 'default-cell__first-cell'
    cellProps.link = false
    // The id as the row has it (a number on SQL databases), as Payload's own cell hands it over.
    cellProps.onClick = ({ collectionSlug, rowData }) =>
      onSelect?.({ collectionSlug, doc: rowData, docID: rowData.id as string })
  }
  return <DefaultCell {...cellProps} />
}
