import type {
  CollectionAfterChangeHook,
  CollectionAfterDeleteHook,
  CollectionBeforeOperationHook,
  PayloadRequest,
} from 'payload'

import { bumpContentEpoch } from '../store/epoch'
import type { ContentWatches } from './freshness'
import { POSTS } from '../lib/slugs'

/**
 * Which writes end the delivery cache: only those that can change what a reader is sent. Readers see
 * a post's main row when it is published (`_status`), and the sources, categories, authors and media
 * it populates. So:
 * - a post: created or saved as published, unpublished, or changed while published, or deleted while
 *   published. A draft save (the admin's autosave included) writes only a version, never the row
 *   readers read: it ends nothing, and neither does a workflow step on a post never published;
 * - a source, category, author or media item: any change (they are few and rarely change);
 * - nothing else (jobs, import runs, users' preferences, locks) has a hook here: none ends it.
 */

/** `req.context` key: per post id, whether the update running for it can change what readers see. */
const POST_WRITES = 'newsroomDelivery.postWrites'

const postWrites = (req: PayloadRequest): Map<string, boolean> => {
  let writes = req.context[POST_WRITES] as Map<string, boolean> | undefined
  if (!writes) {
    writes = new Map()
    req.context[POST_WRITES] = writes
  }
  return writes
}

/**
 * Before a post update: whether it can change what readers see. Payload's `afterChange` cannot tell a
 * draft save from an unpublish (both leave `_status: 'draft'`, and `previousDoc` is the latest
 * version, not the row readers read), so it is decided here from the operation's own arguments.
 */
export const notePostWrite: CollectionBeforeOperationHook = async ({ args, operation, req }) => {
  if (operation !== 'update' && operation !== 'updateByID') return args
  const { id, draft, data } = args as {
    id?: number | string
    draft?: boolean
    data?: { _status?: string }
  }
  const key = id === undefined ? '*' : String(id)
  // Payload's own rule for a draft save (collections/operations/utilities/update.ts): only a version.
  const draftSave = Boolean(draft) && data?._status !== 'published'
  if (draftSave) postWrites(req).set(key, false)
  else if (data?._status === 'published' || id === undefined) postWrites(req).set(key, true)
  else {
    // Saved as a draft for real (the row changes): readers see that only if it was published.
    const row = (await req.payload.db.findOne({
      collection: POSTS,
      where: { id: { equals: id } },
      select: { _status: true },
      req,
    })) as { _status?: string } | null
    postWrites(req).set(key, row?._status === 'published')
  }
  return args
}

/** Bumps the content epoch and moves this process's watch at once. */
const changed = async (watches: ContentWatches, req: PayloadRequest) => {
  await bumpContentEpoch(req.payload, req)
  watches.existing(req.payload)?.noteChange()
}

export const endCacheAfterPostChange =
  (watches: ContentWatches): CollectionAfterChangeHook =>
  async ({ doc, operation, req }) => {
    const writes = postWrites(req)
    const key = String(doc.id)
    const decided = writes.get(key) ?? writes.get('*')
    writes.delete(key)
    const affectsReaders = operation === 'create' ? doc._status === 'published' : (decided ?? true)
    if (affectsReaders) await changed(watches, req)
    return doc
  }

export const endCacheAfterPostDelete =
  (watches: ContentWatches): CollectionAfterDeleteHook =>
  async ({ doc, req }) => {
    if (doc._status === 'published') await changed(watches, req)
    return doc
  }

export const endCacheAfterChange =
  (watches: ContentWatches): CollectionAfterChangeHook =>
  async ({ doc, req }) => {
    await changed(watches, req)
    return doc
  }

export const endCacheAfterDelete =
  (watches: ContentWatches): CollectionAfterDeleteHook =>
  async ({ doc, req }) => {
    await changed(watches, req)
    return doc
  }
