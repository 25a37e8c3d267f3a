import type { SerializedEditorState } from 'lexical'
import type { CollectionBeforeChangeHook } from 'payload'

import type { Post } from '../../../src/payload-types'
import { collectUploadIds, type MediaForHtml } from '../../../src/richtext/html'
import { postContentHtml, postExcerpt } from '../derive'
import { MEDIA } from '../../../src/lib/slugs'

/**
 * Keeps `contentHtml` (and an empty `excerpt`) in step with `content` on every save. The media docs of
 * upload nodes are fetched in one query. The rendering is `postContentHtml` (../derive.ts), which the
 * importer calls too; a caller that rendered the HTML with it already sets
 * `req.context.contentHtmlRendered` to skip the second render.
 */
export const renderContentHtml: CollectionBeforeChangeHook<Post> = async ({
  data,
  req,
  originalDoc,
}) => {
  if (req.context?.contentHtmlRendered && typeof data.contentHtml === 'string') return data
  const content = (data.content ?? originalDoc?.content) as SerializedEditorState | null | undefined
  if (!content) {
    data.contentHtml = ''
    return data
  }
  const ids = collectUploadIds(content)
  const media = new Map<string, MediaForHtml>()
  if (ids.length > 0) {
    const { docs } = await req.payload.find({
      collection: MEDIA,
      where: { id: { in: ids } },
      limit: ids.length,
      pagination: false,
      depth: 0,
      req,
      overrideAccess: true,
    })
    for (const doc of docs) {
      const url = doc.url || doc.externalUrl
      if (url)
        media.set(String(doc.id), { url, alt: doc.alt, width: doc.width, height: doc.height })
    }
  }
  data.contentHtml = postContentHtml(content, (id) => media.get(String(id)))
  if (!data.excerpt && !originalDoc?.excerpt) data.excerpt = postExcerpt(data.contentHtml)
  return data
}
