'use client'
import { useConfig, useListRelationships } from '@payloadcms/ui'
import type { DefaultCellComponentProps } from 'payload'
import React, { useEffect } from 'react'

/** Names shown per cell, as Payload's own relationship cell. */
const SHOWN = 3

type Ref = { relationTo: string; value: number | string }

/** The ids of a relationship cell's value (an id, a list of ids, or populated documents). */
export const relationshipRefs = (cellData: unknown, relationTo: string): Ref[] => {
  const values = Array.isArray(cellData) ? cellData : cellData == null ? [] : [cellData]
  const refs: Ref[] = []
  for (const value of values) {
    if (typeof value === 'number' || typeof value === 'string') refs.push({ relationTo, value })
    else if (value && typeof value === 'object' && 'id' in value)
      refs.push({ relationTo, value: (value as { id: number | string }).id })
  }
  return refs
}

/**
 * The posts list's Source and Categories cells: the names, asked for as soon as the row is shown
 * (one batched request per collection, Payload's RelationshipProvider) and an ellipsis until they
 * arrive; an empty cell for a post without one. Payload's own relationship cell asks only once a
 * row has been scrolled into view and reads "<No Source>" until then, on rows that have one.
 */
export const RelationshipNamesCell: React.FC<DefaultCellComponentProps> = ({ cellData, field }) => {
  const { getEntityConfig } = useConfig()
  const { documents, getRelationships } = useListRelationships()
  const relationTo =
    'relationTo' in field && typeof field.relationTo === 'string' ? field.relationTo : ''
  const refs = relationshipRefs(cellData, relationTo).slice(0, SHOWN)
  const key = refs.map((r) => r.value).join(',')
  useEffect(() => {
    if (refs.length > 0) getRelationships(refs)
    // `key` stands for `refs`, a new array each render.
  }, [key, getRelationships])
  if (refs.length === 0) return null
  const titleField = getEntityConfig({ collectionSlug: relationTo })?.admin?.useAsTitle ?? 'id'
  const names = refs.map(({ value }) => {
    const doc = documents[relationTo]?.[value]
    if (doc === false) return `#${value}`
    if (!doc) return '…'
    const title = (doc as unknown as Record<string, unknown>)[titleField]
    return typeof title === 'string' && title ? title : `#${value}`
  })
  const more =
    Array.isArray(cellData) && cellData.length > SHOWN ? ` +${cellData.length - SHOWN}` : ''
  return <span data-testid={`relationship-cell-${relationTo}`}>{names.join(', ') + more}</span>
}
