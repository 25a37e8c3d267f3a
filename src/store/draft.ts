import type { CanonicalHoles } from '../../collections/Posts/approval'
import type { ArchiveSource, DateSource } from '../archive'
import type { LexState } from '../richtext/lexical'

/** Everything the load stage needs to write one post. Pure data. */
export type PostDraft = {
  file: string
  sourceUrl: string
  title: string
  /** Lexical content; upload nodes hold the image URL in `value` until the load stage swaps in ids. */
  content: LexState
  /** contentHtml as rendered from `content` with images at their URLs (identical once ids are set). */
  contentHtml: string
  /**
   * `content`'s canonical JSON text (collections/Posts/approval.ts) with the image URLs of upload
   * nodes open: the sink fills in the media ids to fingerprint what it publishes.
   */
  contentJson: CanonicalHoles
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
