import { fillCanonicalJson, type CanonicalHoles } from '../../collections/Posts/approval'
import type { ArchiveSource, DateSource } from '../archive'
import type { LexState } from '../richtext/lexical'

/** Everything the load stage needs to write one post. Pure data. */
export type PostDraft = {
  file: string
  sourceUrl: string
  title: string
  /**
   * The Lexical content, as its canonical JSON text (collections/Posts/approval.ts) with the image
   * URLs of upload nodes open: the sink fills in the media ids, stores that text as the post's
   * content and fingerprints it. Text, not the tree: it crosses from the transform's thread to the
   * writer's as a few strings (a tree is copied node by node, then walked and stringified again on
   * the writing thread). `draftContent` makes the tree.
   */
  contentJson: CanonicalHoles
  /** contentHtml as rendered from the content with images at their URLs (identical once ids are set). */
  contentHtml: string
  excerpt: string
  publishedAt?: string
  dateSource: DateSource
  outlet?: { name: string; host?: string }
  authors: string[]
  categories: string[]
  tags: string[]
  images: string[]
  fidelity: number
  flagged: boolean
  warnings: string[]
  provenance: {
    archiveFile: string
    contentHash: string
    feedTimestamp?: number
    rawDate?: string
    frontMatter: Record<string, unknown>
    /** The archive document the post was made from, as `src/archive` reads it (what export writes back). */
    source: ArchiveSource
  }
}

/**
 * The image URLs of the draft's upload nodes, in document order (the order of `contentJson`'s open
 * values): what the sink links to media.
 */
export const draftImageUrls = (draft: PostDraft): string[] =>
  draft.contentJson.holes.map((url) => String(url))

/**
 * The draft's content as the canonical JSON text with each image URL replaced by `fill`'s value
 * (the sink: the media id), or kept (no `fill`).
 */
export const draftContentText = (draft: PostDraft, fill?: (url: string, i: number) => unknown) => {
  let i = 0
  return fillCanonicalJson(draft.contentJson, (url) => (fill ? fill(String(url), i++) : url))
}

/** The draft's content as a Lexical tree, upload nodes holding their image URL. */
export const draftContent = (draft: PostDraft): LexState =>
  JSON.parse(draftContentText(draft)) as LexState
