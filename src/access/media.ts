import type { Access, Where } from 'payload'

import { isEditorUser, isStaffUser } from './roles'

/** The media a user added. */
export const mediaAddedBy = (userId: number | string): Where => ({
  createdBy: { equals: userId },
})

/**
 * Editors and admins change and delete any media; writers only what they added themselves. (Whether
 * readers already see it, and whether anything still uses it, is decided by the media hooks, which
 * can say which posts.)
 */
export const editorsOrOwnMedia: Access = ({ req }) => {
  if (isEditorUser(req.user)) return true
  if (!isStaffUser(req.user) || !req.user) return false
  return mediaAddedBy(req.user.id)
}
