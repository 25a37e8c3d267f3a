import type { Access, FieldAccess, PayloadRequest, Where } from 'payload'

export const ROLES = ['admin', 'editor', 'writer'] as const
export type Role = (typeof ROLES)[number]

type MaybeUser = PayloadRequest['user']

export const hasRole = (user: MaybeUser, ...roles: Role[]): boolean =>
  Boolean(user && 'roles' in user && Array.isArray(user.roles) && user.roles.some((r) => roles.includes(r as Role)))

export const isAdminUser = (user: MaybeUser): boolean => hasRole(user, 'admin')
export const isEditorUser = (user: MaybeUser): boolean => hasRole(user, 'admin', 'editor')
export const isStaffUser = (user: MaybeUser): boolean => hasRole(user, 'admin', 'editor', 'writer')

/** Anyone, signed in or not. */
export const anyone: Access = () => true
/** Any signed-in user of the `users` collection. */
export const loggedIn: Access = ({ req }) => Boolean(req.user)
/** Newsroom staff: admins, editors and writers. */
export const staff: Access = ({ req }) => isStaffUser(req.user)
/** Admins and editors. */
export const editors: Access = ({ req }) => isEditorUser(req.user)
/** Admins only. */
export const admins: Access = ({ req }) => isAdminUser(req.user)
export const adminsField: FieldAccess = ({ req }) => isAdminUser(req.user)
export const editorsField: FieldAccess = ({ req }) => isEditorUser(req.user)

/**
 * What readers may see: published and due. A published post whose `publishedAt` lies in the future is
 * under embargo and stays invisible until that instant, with no job having to run.
 */
export const publishedAndDue = (now: Date = new Date()): Where => ({
  and: [
    { _status: { equals: 'published' } },
    {
      or: [{ publishedAt: { less_than_equal: now.toISOString() } }, { publishedAt: { exists: false } }],
    },
  ],
})

/** Staff read everything; everyone else reads what is published and due. */
export const staffOrPublishedAndDue: Access = ({ req }) =>
  isStaffUser(req.user) ? true : publishedAndDue()
