import type { DefaultServerCellComponentProps } from 'payload'
import React from 'react'

import { type Id, smallCollectionTitles, titlesByIds } from '../relatedTitles'

/** Names shown per cell, as Payload's own relationship cell. */
const SHOWN = 3

/** The ids of a relationship cell's value (an id, a list of ids, or populated documents). */
export const relationshipIds = (cellData: unknown): Id[] => {
  const values = Array.isArray(cellData) ? cellData : cellData == null ? [] : [cellData]
  const ids: Id[] = []
  for (const value of values) {
    if (typeof value === 'number' || typeof value === 'string') ids.push(value)
    else if (value && typeof value === 'object' && 'id' in value) ids.push((value as { id: Id }).id)
  }
  return ids
}

/**
 * The posts list's Source and Categories cells, rendered on the server with the page: the names are
 * in the HTML, on every row, with no request from the browser (src/admin/relatedTitles.ts reads a
 * small collection once per page). Payload's own relationship cell (and this one, when it was a
 * client component) asked for them only after the page's scripts ran, and Payload's reads
 * "<No Source>" until a row is scrolled into view. An id nobody may read (or one that is gone)
 * shows as `#id`; a post without one shows an empty cell.
 */
export const RelationshipNamesCell = async ({
  cellData,
  field,
  payload,
}: DefaultServerCellComponentProps) => {
  const relationTo =
    'relationTo' in field && typeof field.relationTo === 'string' ? field.relationTo : ''
  const all = relationshipIds(cellData)
  const ids = all.slice(0, SHOWN)
  if (ids.length === 0 || !relationTo) return null
  const small = await smallCollectionTitles(payload, relationTo)
  const docs = small.complete ? small.docs : await titlesByIds(payload, relationTo, ids)
  const titles = new Map(docs.map((d) => [String(d.id), d.title]))
  const shown = ids.map((id) => titles.get(String(id)) ?? `#${String(id)}`)
  const more = all.length > SHOWN ? ` +${all.length - SHOWN}` : ''
  return <span data-testid={`relationship-cell-${relationTo}`}>{shown.join(', ') + more}</span>
}
