import type { SerializedEditorState } from 'lexical'
import { APIError, type CollectionBeforeChangeHook, type ValidationFieldError } from 'payload'

import type { Post } from '../../../src/payload-types'
import { collectContentUrls } from '../../../src/richtext/contentUrls'
import { judgeUrl } from '../../../src/richtext/safeUrl'
import { POSTS } from '../../../src/lib/slugs'

/**
 * Refuses a save whose content links, embeds or original URL are not http(s) (or mailto / relative,
 * for links), with the field path so the admin shows it at the field. A hook, not only `validate`:
 * Payload skips field validation for drafts and autosaves, and a writer's draft is exactly what an
 * editor previews and approves.
 *
 * A URL the stored post already has is not judged again, so a post saved before this rule stays
 * editable; the renderers (src/richtext/html.ts, feeds, preview) never emit it.
 */
export const refuseUnsafeUrls: CollectionBeforeChangeHook<Post> = ({ data, originalDoc }) => {
  const errors: ValidationFieldError[] = []
  if (data.content != null) {
    const stored = new Set(
      collectContentUrls(originalDoc?.content as SerializedEditorState | undefined).map(
        (entry) => entry.url,
      ),
    )
    for (const entry of collectContentUrls(data.content as SerializedEditorState)) {
      if (stored.has(entry.url)) continue
      const verdict = judgeUrl(entry.url, entry.use)
      if (!verdict.ok)
        errors.push({
          path: 'content',
          message: `The ${entry.kind} at node ${entry.at}: ${verdict.reason}`,
        })
    }
  }
  if (
    data.sourceUrl != null &&
    data.sourceUrl !== '' &&
    data.sourceUrl !== originalDoc?.sourceUrl
  ) {
    const verdict = judgeUrl(data.sourceUrl, 'web')
    if (!verdict.ok) errors.push({ path: 'sourceUrl', message: verdict.reason })
  }
  // The reasons are the message (GraphQL clients see only that) and, with their field paths, the
  // data the admin shows at the fields: the shape of Payload's own validation errors.
  if (errors.length > 0)
    throw new APIError(errors.map((e) => e.message).join(' '), 400, { collection: POSTS, errors })
  return data
}
