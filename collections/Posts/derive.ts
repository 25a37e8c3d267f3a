import type { SerializedEditorState } from 'lexical'

import { firstFreeSlugSync, slugOrFallback } from '../../src/lib/slug'
import { renderContentHtml, type MediaForHtml } from '../../src/richtext/html'
import { excerptFromHtml } from '../../src/richtext/text'

/**
 * What a post derives from what an editor (or the importer) gives it, written once: the Posts hooks
 * call these on every save, and the importer calls the same functions when it writes below the Local
 * API (src/store), so a rule on posts cannot drift between the two paths.
 */

/** The prefix of a slug made for a title with no letters or digits. */
export const POST_SLUG_PREFIX = 'post'

/** Posts whose imported text matches their source less than this are flagged for review. */
export const FIDELITY_THRESHOLD = 0.99

/** True when an imported post's text fidelity calls for a person to look at it. */
export const needsReview = (fidelity: number): boolean => fidelity < FIDELITY_THRESHOLD

/** The slug a new post gets from its title (before uniqueness). */
export const postSlugBase = (title: string): string => slugOrFallback(title, POST_SLUG_PREFIX)

/** A post slug that is not in `taken` (which it is added to): `base`, `base-2`, ... */
export const uniquePostSlug = (title: string, taken: Set<string>): string => {
  const slug = firstFreeSlugSync(postSlugBase(title), (candidate) => taken.has(candidate))
  taken.add(slug)
  return slug
}

/** `contentHtml` of a post: its Lexical content rendered with the media docs it shows. */
export const postContentHtml = (
  content: SerializedEditorState | null | undefined,
  resolveMedia: (id: number | string) => MediaForHtml | undefined,
): string => (content ? renderContentHtml(content, { resolveMedia }) : '')

/** The excerpt of a post that has none: the start of its visible text. */
export const postExcerpt = (contentHtml: string): string => excerptFromHtml(contentHtml)

/** A post being published without a date is dated at the moment of publication. */
export const publishedAtFor = (
  status: string | null | undefined,
  publishedAt: string | null | undefined,
  now: () => string = () => new Date().toISOString(),
): string | null | undefined => (status === 'published' && !publishedAt ? now() : publishedAt)

/**
 * The featured image of an imported post that has none: its first body image, as WordPress and Ghost
 * show one. `bodyImages` in the order the body shows them.
 */
export const featuredImage = <T>(bodyImages: readonly T[]): T | undefined => bodyImages[0]
