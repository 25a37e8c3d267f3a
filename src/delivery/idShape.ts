import type {
  CollectionBeforeOperationHook,
  PayloadRequest,
  SanitizedCollectionConfig,
} from 'payload'

import { RequestRefused } from '../lib/refusal'

/** Whether the collection's ids are numbers (SQL databases, unless its id field is text). */
const hasNumericIds = (collection: SanitizedCollectionConfig, req: PayloadRequest): boolean => {
  const custom = req.payload.collections[collection.slug]?.customIDType
  return custom === 'number' || (req.payload.db.defaultIDType === 'number' && custom !== 'text')
}

/** Whether `id` can be an id of a collection whose ids are numbers: a whole number. */
export const isNumericId = (id: unknown): boolean => {
  const n = typeof id === 'string' && /^\s*-?\d+\s*$/.test(id) ? Number(id) : id
  return typeof n === 'number' && Number.isSafeInteger(n)
}

/**
 * Answers 404 for an id that cannot name a document of the collection, before it reaches the
 * database. Payload's REST routes turn the id of `/api/posts/abc` into `parseFloat('abc')`, NaN,
 * which the SQLite driver refuses ("Only finite numbers can be passed"): a 500 with a stack, for
 * every collection with numeric ids, on every route with an id (read, update, delete, duplicate),
 * and for `/api/posts/distinct`, which is read as the id "distinct". Also 404 for the versions of
 * a collection that keeps none.
 */
export const checkIdShape: CollectionBeforeOperationHook = ({
  args,
  collection,
  operation,
  req,
}) => {
  // Payload routes `POST /api/<slug>/versions/:id` (restore) for every collection; on one that keeps
  // no versions the database adapter then fails on the missing versions table (a 500 with a stack).
  if (!collection.versions && (operation === 'restoreVersion' || operation === 'countVersions'))
    throw new RequestRefused(`Not found: ${collection.slug} keeps no versions.`, 404)
  // A duplicate is a create that reads the document to copy first (`duplicateFromID`).
  const { id: asId, duplicateFromID } = args as { id?: unknown; duplicateFromID?: unknown }
  const id: unknown = asId ?? duplicateFromID
  if (id === undefined || id === null || !hasNumericIds(collection, req)) return args
  if (isNumericId(id)) return args
  const asked = req.routeParams?.id ?? id
  throw new RequestRefused(
    `Not found: "${String(asked)}" is not an id of ${collection.slug} (its ids are whole numbers).`,
    404,
  )
}
