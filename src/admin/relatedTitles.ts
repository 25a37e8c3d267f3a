import type { Payload } from 'payload'
import { cache } from 'react'

/** A related collection at most this large is read whole, once per rendered page. */
export const READ_WHOLE_UP_TO = 500

export type Id = number | string
export type Titled = { id: Id; title: string }

/** The field a collection's documents are named by in the admin (`admin.useAsTitle`). */
const titleFieldOf = (payload: Payload, collection: string): string =>
  payload.collections[collection as 'sources']?.config.admin?.useAsTitle ?? 'id'

const titled = (docs: unknown[], titleField: string): Titled[] =>
  (docs as Record<string, unknown>[]).map((doc) => {
    const title = doc[titleField]
    const id = doc.id as Id
    return { id, title: typeof title === 'string' && title ? title : `#${String(id)}` }
  })

/**
 * The documents of a small related collection (sources, categories) with their titles, sorted by
 * title, read once per server render of an admin page (React's per-request `cache`): the posts list
 * names the sources and categories of its 50 rows, and offers them as filters, with two queries.
 * `complete` is false when the collection holds more than `READ_WHOLE_UP_TO` documents. Read as the
 * public reads them (both collections are public).
 */
export const smallCollectionTitles = cache(
  async (payload: Payload, collection: string): Promise<{ docs: Titled[]; complete: boolean }> => {
    const titleField = titleFieldOf(payload, collection)
    const { docs, totalDocs } = await payload.find({
      collection: collection as 'sources',
      depth: 0,
      limit: READ_WHOLE_UP_TO,
      sort: titleField,
      select: { [titleField]: true } as never,
      overrideAccess: false,
    })
    return { docs: titled(docs, titleField), complete: totalDocs <= READ_WHOLE_UP_TO }
  },
)

/** The titles of the given documents of any collection, by id (one query). */
export const titlesByIds = async (
  payload: Payload,
  collection: string,
  ids: Id[],
): Promise<Titled[]> => {
  const titleField = titleFieldOf(payload, collection)
  const { docs } = await payload.find({
    collection: collection as 'sources',
    depth: 0,
    limit: ids.length,
    pagination: false,
    where: { id: { in: ids } },
    select: { [titleField]: true } as never,
    overrideAccess: false,
  })
  return titled(docs, titleField)
}
