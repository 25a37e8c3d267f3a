import path from 'node:path'

import { cleanLabel } from '../lib/clean'
import type { ArchiveDocument } from './document'

/** A document read as a post: the archive's fields under the names the importer uses. Pure data. */
export type ArchivePost = {
  /** The file's path relative to the archive folder. */
  file: string
  /** Front matter as parsed (`{}` for legacy files without one). */
  frontMatter: Record<string, unknown>
  hasFrontMatter: boolean
  title: string
  /** The `date:` value as written. */
  rawDate?: string
  author?: string
  /** `from:` (newest format) or the link line's URL (legacy files). */
  url?: string
  /** The link line `[title](url)` under the stamp, when present. */
  linkTitle?: string
  linkUrl?: string
  tags: string[]
  categories: string[]
  /** The `<!--ms-->` stamp: a number, `NaN` when the feed had no date, undefined when absent. */
  feedTimestamp?: number
  /** The stamp as written (`NaN`, digits). */
  rawStamp?: string
  body: string
  /** For legacy files under `_posts/<outlet>/<id>_<title>.md`: the outlet folder. */
  folderOutlet?: string
  /** `YYYY-MM-DD` from the file name, when it starts with one. */
  fileDate?: string
  warnings: string[]
}

const asList = (v: unknown): string[] => {
  if (v == null) return []
  const items = Array.isArray(v) ? v : typeof v === 'string' && v.includes(',') ? v.split(',') : [v]
  return items.map((x) => cleanLabel(x)).filter(Boolean)
}

const asString = (v: unknown): string | undefined => {
  if (v == null) return undefined
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString()
  const s = String(v).trim()
  return s || undefined
}

/** The file-name date of `2020-07-23-title.md`. */
const fileDateOf = (file: string): string | undefined => {
  const m = /^(\d{4}-\d{2}-\d{2})-/.exec(path.basename(file))
  return m?.[1]
}

/**
 * A document's post fields: the title from `title:` else the link line, the URL from `from:` else the
 * link line, tags and categories as a list whether written as a list or a string, the outlet of a
 * legacy file from its folder. `readWarnings` (what reading the file found, e.g. invalid UTF-8) start
 * the warnings.
 */
export const archivePost = (doc: ArchiveDocument, readWarnings: string[] = []): ArchivePost => {
  const frontMatter = doc.frontMatter ?? {}
  const hasFrontMatter = doc.frontMatter !== undefined
  const folder = path.basename(path.dirname(doc.name))
  const folderOutlet =
    !hasFrontMatter && folder !== '.' && folder !== '_posts' && folder !== 'archived'
      ? folder
      : undefined
  return {
    file: doc.name,
    frontMatter,
    hasFrontMatter,
    title: cleanLabel(frontMatter.title ?? doc.link?.title ?? ''),
    rawDate: asString(frontMatter.date),
    author: asString(frontMatter.author) ? cleanLabel(frontMatter.author) : undefined,
    url: asString(frontMatter.from) ?? doc.link?.url,
    linkTitle: doc.link?.title,
    linkUrl: doc.link?.url,
    tags: asList(frontMatter.tags),
    categories: asList(frontMatter.categories),
    feedTimestamp:
      doc.stamp === undefined ? undefined : doc.stamp === 'NaN' ? Number.NaN : Number(doc.stamp),
    rawStamp: doc.stamp,
    body: doc.body,
    folderOutlet,
    fileDate: fileDateOf(doc.name),
    warnings: [...readWarnings, ...doc.warnings],
  }
}

/** The document a post was read from (the inverse of `archivePost` on its content). */
export const documentOfPost = (post: ArchivePost): ArchiveDocument => ({
  name: post.file,
  ...(post.hasFrontMatter && { frontMatter: post.frontMatter }),
  ...(post.rawStamp !== undefined && { stamp: post.rawStamp }),
  ...(post.linkTitle !== undefined && { link: { title: post.linkTitle, url: post.linkUrl ?? '' } }),
  body: post.body,
  warnings: [],
})
