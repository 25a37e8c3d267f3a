import path from 'node:path'

import {
  archiveDocument,
  archiveFileName,
  type ArchiveDocument,
  type ArchiveSource,
  type FrontMatter,
} from '../archive'
import { EDIT_GRACE_MS } from '../store/plan'

/** What export needs of a post, as read (relations resolved to names). Pure data. */
export type ExportPost = {
  id: number | string
  title: string
  publishedAt?: string | null
  sourceUrl?: string | null
  /** The source's name (the outlet). */
  source?: string
  authors: string[]
  categories: string[]
  tags: string[]
  contentHtml?: string | null
  /** `updatedAt` of the post as read (its latest version). */
  updatedAt?: string | null
  provenance?: {
    archiveFile?: string | null
    source?: unknown
    importedAt?: string | null
    frontMatter?: unknown
  } | null
}

export type ExportedDocument =
  | {
      ok: true
      document: ArchiveDocument
      /** `source`: the document the post was made from (nobody edited it); `post`: its current fields. */
      from: 'source' | 'post'
    }
  | { ok: false; reason: string }

/** Front matter keys written from the post's own fields. */
const POST_KEYS = new Set(['title', 'date', 'author', 'from', 'tags', 'categories'])

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v)

/** A stored source document, if it has the shape `src/archive` gives one. */
const storedSource = (v: unknown): ArchiveSource | undefined => {
  if (!isRecord(v) || typeof v.body !== 'string') return undefined
  if (v.frontMatter !== undefined && !isRecord(v.frontMatter)) return undefined
  if (v.stamp !== undefined && typeof v.stamp !== 'string') return undefined
  const link = v.link
  if (
    link !== undefined &&
    !(isRecord(link) && typeof link.title === 'string' && typeof link.url === 'string')
  )
    return undefined
  return v as ArchiveSource
}

/**
 * Saved after the importer last wrote it: the importer's own rule (`src/store/plan.ts`), so a post
 * export writes from its source is one a re-import would find unedited.
 */
export const editedSinceImport = (post: ExportPost): boolean => {
  const importedAt = post.provenance?.importedAt
  if (!importedAt) return true
  return !!post.updatedAt && Date.parse(post.updatedAt) - Date.parse(importedAt) > EDIT_GRACE_MS
}

/** The archive path of an imported post, when it is a plain relative path inside the folder. */
const safeArchivePath = (file: string | null | undefined): string | undefined => {
  if (!file || file.includes('\0') || path.isAbsolute(file)) return undefined
  // A backslash is a character of the name here (the archive has such names), not a separator.
  const normal = path.posix.normalize(file)
  if (normal !== file || normal.startsWith('../') || normal === '..' || normal.startsWith('/'))
    return undefined
  return normal
}

/**
 * The name a post's file gets: the archive file it was imported from, else the mirror script's
 * `<date>-<title>.md` (collisions between posts are the caller's: `uniqueName`).
 */
export const exportName = (post: ExportPost): string =>
  safeArchivePath(post.provenance?.archiveFile) ??
  archiveFileName(post.publishedAt ? new Date(post.publishedAt) : undefined, post.title)

/**
 * Post -> archive document. A post nobody edited since its import is the document it was made
 * from (so a re-import of it is `unchanged`); any other post is written from its current fields:
 * the title, the publish date as `date:` and stamp, the byline (else the outlet, as the mirror wrote
 * it), the outlet first in `categories` (the importer takes the outlet from there), the tags, the
 * link line, and the rendered content as the body inside one `<div>`, as the archive holds a feed
 * item. Other front matter the post was imported with is kept.
 */
/** Whether the post is written as its source document (else from its fields, `contentHtml` too). */
export const exportsAsSource = (post: ExportPost): boolean =>
  !!storedSource(post.provenance?.source) && !editedSinceImport(post)

export const postToArchiveDocument = (post: ExportPost, name: string): ExportedDocument => {
  const source = storedSource(post.provenance?.source)
  if (source && !editedSinceImport(post)) {
    return { ok: true, from: 'source', document: { name, ...source, warnings: [] } }
  }
  if (!post.sourceUrl) {
    return {
      ok: false,
      reason: 'no Original URL: the archive knows a post by its article URL (set one to export it)',
    }
  }
  const imported = post.provenance?.frontMatter
  const extra: FrontMatter = {}
  if (isRecord(imported)) {
    for (const [key, value] of Object.entries(imported)) if (!POST_KEYS.has(key)) extra[key] = value
  }
  const published = post.publishedAt ? Date.parse(post.publishedAt) : Number.NaN
  const outlet = post.source ? [post.source] : []
  const html = (post.contentHtml ?? '').replace(/\r\n?/g, '\n')
  return {
    ok: true,
    from: 'post',
    document: archiveDocument({
      name,
      title: post.title,
      date: Number.isNaN(published) ? undefined : new Date(published).toISOString(),
      author: post.authors.length ? post.authors.join(', ') : post.source,
      from: post.sourceUrl,
      tags: post.tags,
      categories: [...outlet, ...post.categories.filter((c) => c !== post.source)],
      feedTime: published,
      body: `<div>\n${html}\n</div>\n`,
      extra,
    }),
  }
}
