import type { CollectionBeforeChangeHook, Field } from 'payload'

import type { Post } from '../../../src/payload-types'
import { isImportOwned } from '../access/postAccess'
import { USERS } from '../../../src/lib/slugs'

/** `req.context` key: the id of the post a running create duplicates (set by explainPostRefusal). */
export const DUPLICATE_OF = 'newsroom:duplicateOf'

type LogEntry = NonNullable<Post['editorialLog']>[number]

/** `data` with every import-owned field (postAccess.ts `importOwned`) emptied, at any depth. */
const clearImportOwned = (fields: Field[], data: Record<string, unknown>): void => {
  for (const field of fields) {
    if (field.type === 'tabs') {
      for (const tab of field.tabs) {
        if ('name' in tab && tab.name) {
          const inner = { ...(data[tab.name] as Record<string, unknown> | undefined) }
          clearImportOwned(tab.fields, inner)
          data[tab.name] = inner
        } else clearImportOwned(tab.fields, data)
      }
    } else if (!('name' in field)) {
      if ('fields' in field) clearImportOwned(field.fields, data)
    } else if (isImportOwned(field as { custom?: Record<string, unknown> })) {
      data[field.name] = field.type === 'text' && field.hasMany ? [] : null
    } else if (field.type === 'group') {
      const inner = { ...(data[field.name] as Record<string, unknown> | undefined) }
      clearImportOwned(field.fields, inner)
      data[field.name] = inner
    }
  }
}

/**
 * A duplicate (`POST /api/posts/:id/duplicate`, the admin's "Duplicate") is a new draft of whoever
 * made it: not published, not scheduled, not approved (no approval fingerprint, so it cannot be
 * published as the original was approved), not the importer's (no provenance, so a re-import never
 * takes it for its own), with one history entry naming the original. Payload copies every stored field
 * of the original, field access notwithstanding.
 */
export const startDuplicateAsDraft: CollectionBeforeChangeHook<Post> = ({
  collection,
  data,
  operation,
  req,
}) => {
  const original = req.context[DUPLICATE_OF]
  if (operation !== 'create' || original == null) return data
  delete req.context[DUPLICATE_OF]
  const by = req.user?.collection === USERS ? req.user.id : null
  data._status = 'draft'
  data.editorialState = 'draft'
  data.approvedFingerprint = null
  data.publishedAt = null
  if (by != null) data.createdBy = by
  clearImportOwned(collection.fields, data as Record<string, unknown>)
  const entry: LogEntry = {
    from: 'duplicate',
    to: 'draft',
    note: `Duplicated from post ${String(original)}.`,
    by,
    at: new Date().toISOString(),
  }
  data.editorialLog = [entry]
  return data
}
