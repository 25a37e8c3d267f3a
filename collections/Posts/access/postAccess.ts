import type { Access, FieldAccess, Where } from 'payload'

import { isEditorUser, isStaffUser } from '../../../src/access/roles'

/**
 * Staff create posts; only editors and admins may create one already published. (Payload's admin asks
 * `create`/`update` with `data: { _status: 'published' }` to decide whether to show Publish.)
 */
export const staffCreatingUnpublished: Access = ({ req, data }) =>
  isEditorUser(req.user) || (isStaffUser(req.user) && data?._status !== 'published')

/** What a writer may edit: their own posts while they are not published. */
export const ownUnpublishedPosts = (userId: number | string): Where => ({
  and: [{ createdBy: { equals: userId } }, { _status: { not_equals: 'published' } }],
})

/**
 * Editors and admins update any post (publish, unpublish, schedule); writers update their own
 * unpublished posts and never publish.
 */
export const editorsOrOwnUnpublished: Access = ({ req, data }) => {
  if (isEditorUser(req.user)) return true
  if (!isStaffUser(req.user) || !req.user) return false
  if (data?._status === 'published') return false
  return ownUnpublishedPosts(req.user.id)
}

/** Written only by the workflow hook, never directly through the API. */
export const nobodyField: FieldAccess = () => false
