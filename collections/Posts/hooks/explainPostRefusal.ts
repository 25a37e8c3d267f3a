import { APIError, type CollectionBeforeOperationHook } from 'payload'

import { isEditorUser } from '../../../src/access/roles'
import { refusePostChange, type PostLike } from '../access/rules'
import { DUPLICATE_OF } from './startDuplicateAsDraft'
import { POSTS } from '../../../src/lib/slugs'

/** `req.context` key: whether the running update saves a draft (autosave or "Save draft"). */
export const DRAFT_SAVE = 'newsroom:draftSave'

/**
 * Runs before Payload's access check so that a refused create/update/delete says why (403 with the
 * reason) instead of Payload's bare "You are not allowed to perform this action." The access
 * functions stay the authority; this only names their verdict. Also records whether an update is a
 * draft save, which the workflow hook needs to tell "unpublish" from "save a draft over a published
 * post" (both arrive as `_status: 'draft'`), and which post a create duplicates (hooks/startDuplicateAsDraft.ts).
 */
export const explainPostRefusal: CollectionBeforeOperationHook<'posts'> = async ({
  args,
  operation,
  overrideAccess,
  req,
}) => {
  // The arguments of create, update and delete; only these three fields matter here.
  const { id, data, draft, duplicateFromID } = args as {
    id?: number | string
    data?: PostLike
    draft?: boolean
    duplicateFromID?: number | string
  }
  if (operation === 'update') {
    req.context[DRAFT_SAVE] = Boolean(draft)
  }
  if (operation === 'create' && duplicateFromID != null) req.context[DUPLICATE_OF] = duplicateFromID
  if (overrideAccess) return args
  const user = req.user
  if (operation === 'create') {
    const reason = refusePostChange({ user, data })
    if (reason) throw new APIError(reason, user ? 403 : 401)
  }
  if (operation === 'update' && id != null) {
    if (!user || !isEditorUser(user)) {
      const post = await req.payload.findByID({
        collection: POSTS,
        id,
        depth: 0,
        overrideAccess: true,
        req,
        disableErrors: true,
      })
      // A post that does not exist is Payload's 404 to report.
      if (post) {
        const reason = refusePostChange({ user, post, data })
        if (reason) throw new APIError(reason, user ? 403 : 401)
      }
    }
  }
  if (operation === 'delete' && !isEditorUser(user)) {
    throw new APIError(
      user ? 'Only editors and admins may delete posts.' : 'You must be logged in to delete posts.',
      user ? 403 : 401,
    )
  }
  return args
}
