import type { Access, Field, FieldAccess, Where } from 'payload'

import { isEditorUser, isStaffUser, staffField } from '../../../src/access/roles'

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

/**
 * The access of a field only the importer and live ingest write (marked `custom.writtenBy: 'import'`,
 * so hooks and tests find them in the config): staff read it, and no door that checks access (REST,
 * GraphQL, the admin, bulk edit, the Local API with `overrideAccess: false`) writes it; a duplicate or
 * a restored version does not carry it either (hooks/keepFieldsOnRestore.ts,
 * hooks/startDuplicateAsDraft.ts). The importer writes with `overrideAccess: true`, which skips field
 * access. It takes a post whose provenance names an import for its own (src/store/plan.ts),
 * so a forged provenance would hand it someone's post.
 */
export const importOwned = {
  access: { read: staffField, create: nobodyField, update: nobodyField },
  custom: { writtenBy: 'import' },
} as const

/** Fields all written by the importer only (see `importOwned`). */
export const writtenByImportOnly = (fields: Field[]): Field[] =>
  fields.map((field) =>
    field.type === 'ui' || !('name' in field)
      ? field
      : ({
          ...field,
          access: { ...(field as { access?: object }).access, ...importOwned.access },
          custom: { ...(field as { custom?: object }).custom, ...importOwned.custom },
        } as Field),
  )

/** Whether a field is one of the importer's (`importOwned`). */
export const isImportOwned = (field: { custom?: Record<string, unknown> }): boolean =>
  field.custom?.writtenBy === 'import'
