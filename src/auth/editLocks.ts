import type {
  Access,
  CollectionBeforeChangeHook,
  Config,
  Payload,
  PayloadRequest,
  Where,
} from 'payload'

import { isEditorUser } from '../access/roles'
import { RequestRefused } from '../lib/refusal'

/** Payload's collection of edit locks ("X is editing this document"). */
export const LOCKS = 'payload-locked-documents'

type Relation = { relationTo?: unknown; value?: unknown }
type LockData = { document?: Relation | null; globalSlug?: unknown; user?: Relation | null }

/** The id a relationship value points to, whether populated or not. */
const idOf = (value: unknown): unknown =>
  value != null && typeof value === 'object' && 'id' in value
    ? (value as { id: unknown }).id
    : value

/** Whether the access result of `access` lets `req` change document `id` (any document when no id). */
const allows = async (
  req: PayloadRequest,
  access: Access | undefined,
  where: (result: Where) => Promise<boolean>,
  id?: number | string,
): Promise<boolean> => {
  if (!access) return Boolean(req.user)
  // Access functions take the document id as the collection types it (numbers on SQLite).
  const result = await access({ req, id: id as number | undefined })
  if (typeof result === 'boolean') return result
  return where(result)
}

/** Whether `req` may edit what a lock is about: the document's (or global's) own `update` access. */
const mayEdit = async (req: PayloadRequest, lock: LockData): Promise<boolean> => {
  if (typeof lock.globalSlug === 'string' && lock.globalSlug) {
    const global = req.payload.config.globals.find((g) => g.slug === lock.globalSlug)
    return Boolean(global) && allows(req, global?.access.update, async () => false)
  }
  const slug = lock.document?.relationTo
  const id = idOf(lock.document?.value)
  const collection =
    typeof slug === 'string'
      ? req.payload.collections[slug as keyof typeof req.payload.collections]
      : undefined
  if (!collection || (typeof id !== 'string' && typeof id !== 'number')) return false
  return allows(
    req,
    collection.config.access.update,
    async (rule) =>
      (
        await req.payload.count({
          collection: collection.config.slug,
          where: { and: [{ id: { equals: id } }, rule] },
          overrideAccess: true,
          req,
        })
      ).totalDocs > 0,
    id,
  )
}

/**
 * A lock names its holder, and the admin shows "X is editing" from it. Only the requester can be the
 * holder: a signed-in user creates or takes over (Payload's "Take over" PATCHes `user`) a lock in
 * their own name, on a document they may edit. Without this, a writer could lock someone else's post
 * in the admin's name. Payload's admin writes its own locks at the database level, below hooks.
 */
const holdLocksInOwnName: CollectionBeforeChangeHook = async ({ data, originalDoc, req }) => {
  const user = req.user
  // Server code without a user (seeds, tests) is trusted, as everywhere else.
  if (!user) return data
  const lock = { ...(originalDoc as LockData | undefined), ...(data as LockData) }
  const holder = lock.user
  if (
    holder == null ||
    holder.relationTo !== user.collection ||
    String(idOf(holder.value)) !== String(user.id)
  ) {
    throw new RequestRefused('An edit lock can only be held by the user who requests it.', 403)
  }
  if (!(await mayEdit(req, lock)))
    throw new RequestRefused('You may lock only a document you may edit.', 403)
  return data
}

/** The holder deletes a lock (closing the document); editors and admins clear anyone's. */
const holderOrEditors: Access = ({ req }) =>
  isEditorUser(req.user) || (req.user ? { 'user.value': { equals: req.user.id } } : false)

/**
 * Payload adds the locks collection while it sanitizes the config, after every plugin ran, so its
 * rules are set on the running instance, before it serves a request.
 */
export const guardEditLocks = (payload: Payload): void => {
  const locks = payload.collections[LOCKS as keyof typeof payload.collections]
  if (!locks) return
  const config = locks.config
  config.access.delete = holderOrEditors
  config.hooks.beforeChange = [...(config.hooks.beforeChange ?? []), holdLocksInOwnName]
}

/** Config side of `guardEditLocks`: appends it to the host's `onInit`. */
export const withEditLockGuard = (config: Config): Config => ({
  ...config,
  onInit: async (payload) => {
    await config.onInit?.(payload)
    guardEditLocks(payload)
  },
})
