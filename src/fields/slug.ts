import type { CollectionSlug, FieldHook, TextField } from 'payload'

import { firstFreeSlug, slugify, slugOrFallback } from '../lib/slug'

type SlugFieldOptions = {
  /** The field the slug is made from. @default 'title' */
  from?: string
  /** Used when the source has no letters or digits. @default the collection slug */
  fallbackPrefix?: string
}

/**
 * Fills an empty slug from `from` on create (or when an editor clears it), normalises a typed one,
 * and appends `-2`, `-3`, ... until it is unique in the collection. A slug, once set, is stable:
 * retitling a post does not change its URL.
 */
const fillUniqueSlug =
  ({ from = 'title', fallbackPrefix }: SlugFieldOptions): FieldHook =>
  async ({ value, data, originalDoc, req, collection }) => {
    if (!collection) return value
    const prefix = fallbackPrefix ?? collection.slug
    const sourceText = String(data?.[from] ?? originalDoc?.[from] ?? '')
    const fromSource = slugify(sourceText)
    // The admin autosaves a new post before its title is typed, which gives it a placeholder slug
    // (`post-1a2b3c4d`). Until the post is published, a placeholder gives way to the real title's slug.
    const placeholder = new RegExp(`^${prefix}-[0-9a-f]{8}(-\\d+)?$`)
    const replaceable = (slug: string) =>
      placeholder.test(slug) && fromSource !== '' && originalDoc?._status !== 'published'
    let typed = typeof value === 'string' ? slugify(value) : ''
    if (typed && replaceable(typed)) typed = ''
    if (typed && typed === originalDoc?.slug) return typed
    const base = typed || fromSource || slugOrFallback(sourceText, prefix)
    const ownId = originalDoc?.id
    return firstFreeSlug(base, async (candidate) => {
      const { totalDocs } = await req.payload.count({
        collection: collection.slug as CollectionSlug,
        where: {
          and: [
            { slug: { equals: candidate } },
            ...(ownId != null ? [{ id: { not_equals: ownId } }] : []),
          ],
        },
        req,
        overrideAccess: true,
      })
      return totalDocs > 0
    })
  }

export const slugField = (options: SlugFieldOptions = {}): TextField => ({
  name: 'slug',
  type: 'text',
  unique: true,
  index: true,
  label: { en: 'Slug', zh: '网址别名' },
  admin: {
    position: 'sidebar',
    description: {
      en: 'Part of the public URL. Filled from the title when left empty; stays the same when the title changes.',
      zh: '公开网址的一部分。留空时按标题自动生成；修改标题不会改变它。',
    },
  },
  hooks: { beforeValidate: [fillUniqueSlug(options)] },
})
