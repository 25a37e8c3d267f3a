import { randomUUID } from 'node:crypto'

import { ValidationError, type CollectionConfig, type Payload, type PayloadRequest } from 'payload'

/**
 * One row that every write readers could see changes: the content epoch. Every server polls it
 * (src/delivery/freshness.ts), so a write through any server, the CLI importer or the importer's
 * bulk writer ends every server's delivery cache, on SQLite and MongoDB alike.
 */
export const CONTENT_EPOCH_COLLECTION = 'delivery-epochs'

/** The key of the one row. */
const CONTENT = 'content'

export const ContentEpochs: CollectionConfig = {
  slug: CONTENT_EPOCH_COLLECTION,
  admin: { hidden: true },
  graphQL: false,
  lockDocuments: false,
  // Written and read by server code only (overrideAccess); nothing to see over the API.
  access: {
    read: () => false,
    create: () => false,
    update: () => false,
    delete: () => false,
  },
  fields: [
    { name: 'key', type: 'text', required: true, unique: true },
    { name: 'value', type: 'text', required: true },
  ],
}

/**
 * MongoDB bumps outside the writer's transaction (see `bumpContentEpoch`), so a reader can see the
 * new epoch a moment before the content it stands for: readers then move once more on their next
 * look.
 */
export const epochMayPrecedeContent = (payload: Payload): boolean => payload.db.name === 'mongoose'

/**
 * Marks that content readers can see has changed: the epoch takes a new random value (a counter
 * bumped by two processes at once could take the same value twice, and a reader between the two
 * would miss the second). Call it after every write that can change a reader's response and that
 * runs no delivery hook (the importer's writer): the delivery plugin's hooks call it for the rest.
 *
 * With `req`, on SQLite the bump is part of the writer's transaction: readers see it together with
 * the content, never before. On MongoDB it is written outside any transaction, since every
 * transaction writing the same document would make concurrent ones fail with a write conflict.
 * Without the delivery plugin (no epoch collection) it does nothing.
 */
export const bumpContentEpoch = async (
  payload: Payload,
  req?: Partial<PayloadRequest>,
): Promise<void> => {
  if (!payload.collections[CONTENT_EPOCH_COLLECTION]) return
  const inWriterTransaction = epochMayPrecedeContent(payload) ? undefined : req
  const now = new Date().toISOString()
  const value = randomUUID()
  const update = () =>
    payload.db.updateOne({
      collection: CONTENT_EPOCH_COLLECTION,
      where: { key: { equals: CONTENT } },
      data: { value, updatedAt: now },
      req: inWriterTransaction,
      select: { id: true },
    })
  if (await update()) return
  try {
    await payload.db.create({
      collection: CONTENT_EPOCH_COLLECTION,
      data: { key: CONTENT, value, createdAt: now, updatedAt: now },
      req: inWriterTransaction,
      select: { id: true },
    })
  } catch (err) {
    // Another process created the row first: bump that one.
    if (!(err instanceof ValidationError)) throw err
    await update()
  }
}

/** The current epoch (`'none'` before the first bump), one indexed read. */
export const readContentEpoch = async (payload: Payload): Promise<string> => {
  const row = (await payload.db.findOne({
    collection: CONTENT_EPOCH_COLLECTION,
    where: { key: { equals: CONTENT } },
    select: { value: true },
  })) as { value?: string } | null
  return row?.value ?? 'none'
}
