import type { CollectionBeforeChangeHook, Field, PayloadRequest } from 'payload'

import type { Post } from '../../../src/payload-types'

type Record_ = Record<string, unknown>

const asRecord = (value: unknown): Record_ =>
  value != null && typeof value === 'object' && !Array.isArray(value) ? (value as Record_) : {}

/**
 * Puts back into `data` the current value of every field (at any depth of groups and named tabs) that
 * `req` may not update by its field access.
 */
const keepUnwritable = async (
  fields: Field[],
  data: Record_,
  stored: Record_,
  req: PayloadRequest,
  doc: Record_,
): Promise<void> => {
  for (const field of fields) {
    if (field.type === 'tabs') {
      for (const tab of field.tabs) {
        if ('name' in tab && tab.name) {
          data[tab.name] = { ...asRecord(data[tab.name]) }
          await keepUnwritable(
            tab.fields,
            data[tab.name] as Record_,
            asRecord(stored[tab.name]),
            req,
            doc,
          )
        } else await keepUnwritable(tab.fields, data, stored, req, doc)
      }
      continue
    }
    if (!('name' in field)) {
      if ('fields' in field) await keepUnwritable(field.fields, data, stored, req, doc)
      continue
    }
    const update = 'access' in field ? field.access?.update : undefined
    if (update && !(await update({ req, doc, data: doc, siblingData: data }))) {
      data[field.name] = stored[field.name] ?? null
      continue
    }
    if (field.type === 'group') {
      data[field.name] = { ...asRecord(data[field.name]) }
      await keepUnwritable(
        field.fields,
        data[field.name] as Record_,
        asRecord(stored[field.name]),
        req,
        doc,
      )
    }
  }
}

/**
 * A restored version brings back what staff wrote, not what only the system writes: the fields a user
 * may not update (provenance and the importer's review, the approval fingerprint, the editorial
 * history, who created the post) keep their current values. Payload's restore fills the fields field
 * access refuses from the version being restored (`req.context.isRestoringVersion`), so without this a
 * writer could bring back an old provenance or approval, or rewrite the history.
 */
export const keepFieldsOnRestore: CollectionBeforeChangeHook<Post> = async ({
  collection,
  data,
  originalDoc,
  req,
}) => {
  if (!req.context.isRestoringVersion || !req.user || !originalDoc) return data
  await keepUnwritable(
    collection.fields,
    data as Record_,
    originalDoc as unknown as Record_,
    req,
    originalDoc as unknown as Record_,
  )
  return data
}
