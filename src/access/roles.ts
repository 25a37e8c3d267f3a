import type { Access, Field, FieldAccess, PayloadRequest, Where } from 'payload'

export const ROLES = ['admin', 'editor', 'writer'] as const
export type Role = (typeof ROLES)[number]

type MaybeUser = PayloadRequest['user']

export const hasRole = (user: MaybeUser, ...roles: Role[]): boolean =>
  Boolean(
    user &&
    'roles' in user &&
    Array.isArray(user.roles) &&
    user.roles.some((r) => roles.includes(r as Role)),
  )

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
 * A field only newsroom staff read: the workflow and import records (state, log, review, provenance).
 * Readers' apps never see them, and anonymous queries may not filter or sort on them. The delivery
 * layer leaves exactly these fields out of anonymous reads before they reach the database.
 */
export const staffField: FieldAccess = ({ req }) => isStaffUser(req.user)

/**
 * A field of a user account that its owner and the desk (editors, admins) read: a writer sees a
 * colleague's name (bylines, "created by") but not their email address or roles. Without a document
 * (a `where` on the field) only editors and admins qualify.
 */
export const editorsOrSelfField: FieldAccess = ({ req, doc }) =>
  isEditorUser(req.user) ||
  (req.user != null && doc?.id != null && String(doc.id) === String(req.user.id))

/**
 * The fields of a staff-only group or tab, each marked `staffField` as well: Payload checks a
 * query path (`where[provenance.importRun]`) against the access of the field it ends on, not of the
 * group around it.
 */
export const readByStaffOnly = (fields: Field[]): Field[] =>
  fields.map((field) =>
    field.type === 'ui' || !('name' in field)
      ? field
      : ({
          ...field,
          access: { ...(field as { access?: object }).access, read: staffField },
        } as Field),
  )

/**
 * What readers may see: published and due. A published post whose `publishedAt` lies in the future is
 * under embargo and stays invisible until that instant, with no job having to run.
 */
export const publishedAndDue = (now: Date = new Date()): Where => ({
  and: [
    { _status: { equals: 'published' } },
    {
      or: [
        { publishedAt: { less_than_equal: now.toISOString() } },
        { publishedAt: { exists: false } },
      ],
    },
  ],
})

/** Staff read everything; everyone else reads what is published and due. */
export const staffOrPublishedAndDue: Access = ({ req }) =>
  isStaffUser(req.user) ? true : publishedAndDue()
