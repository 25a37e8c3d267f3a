import type { CollectionBeforeChangeHook } from 'payload'

import type { Post } from '../../../src/payload-types'

type Record_ = Record<string, unknown>

const asRecord = (value: unknown): Record_ =>
  value != null && typeof value === 'object' && !Array.isArray(value) ? (value as Record_) : {}

/**
 * A post's source document (`provenance.source`: the archive file it was made from, which `npm run
 * export` writes back) is stored once, in the post's row; the version the store saves with the row
 * leaves it out (`versionOfRow`, src/store/adapter.ts). Payload starts an update from the latest
 * version, so an editor's save, a scheduled publish or a restore would store none: this keeps the
 * row's. One indexed read, only when the update has none and the post was imported.
 */
export const keepSourceDocument: CollectionBeforeChangeHook<Post> = async ({
  collection,
  data,
  operation,
  originalDoc,
  req,
}) => {
  if (operation !== 'update' || originalDoc?.id == null) return data
  const provenance = asRecord(data.provenance)
  if (provenance.source != null) return data
  if (!originalDoc.provenance?.importedAt) return data
  const row = await req.payload.db.findOne({
    collection: collection.slug,
    where: { id: { equals: originalDoc.id } },
    select: { provenance: { source: true } },
    req,
  })
  const source = asRecord(asRecord(row).provenance).source
  if (source != null) data.provenance = { ...provenance, source } as Post['provenance']
  return data
}
