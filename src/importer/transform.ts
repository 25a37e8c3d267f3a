import { createHash } from 'node:crypto'

import { needsReview, postContentHtml, postExcerpt } from '../../collections/Posts/derive'
import { textSimilarity } from '../richtext/similarity'
import { readerText } from '../richtext/text'
import { cleanLabel, stripJunk } from './clean'
import { choosePublishedAt, type DateSource } from './dates'
import { htmlToLexical } from './html'
import type { LexState } from './lexical'
import type { ParsedFile } from './parse'
import { hostOf, normaliseUrl } from './url'

/** Bumped when the transform changes what it produces, so a re-import rewrites every post once. */
export const TRANSFORM_VERSION = 1

/** Posts under this text fidelity are flagged for review (the rule lives with the posts). */
export { FIDELITY_THRESHOLD } from '../../collections/Posts/derive'

/** Everything the load stage needs to write one post. Pure data. */
export type PostDraft = {
  file: string
  sourceUrl: string
  title: string
  /** Lexical content; upload nodes hold the image URL in `value` until the load stage swaps in ids. */
  content: LexState
  /** contentHtml as rendered from `content` with images at their URLs (identical once ids are set). */
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
  }
}

/** Tags and categories that name no outlet. */
const GENERIC = new Set(['news', 'post', 'posts', 'blog', 'uncategorized', '新闻'])

/** The hash that decides "unchanged": the raw file plus the transform version. */
export const contentHashOf = (raw: string): string =>
  createHash('sha1').update(`v${TRANSFORM_VERSION}\n`).update(raw).digest('hex')

/** A readable title for a post whose title is empty: the start of its text, else the file name. */
const fallbackTitle = (text: string, file: string): string => {
  const fromText = Array.from(text.trim()).slice(0, 40).join('').trim()
  if (fromText) return `${fromText}…`
  const base = file
    .split('/')
    .pop()
    ?.replace(/\.md$/i, '')
    .replace(/^\d{4}-\d{2}-\d{2}-?/, '')
    .trim()
  return base || 'Untitled archive post'
}

export type TransformResult =
  { ok: true; draft: PostDraft } | { ok: false; reason: string; warnings: string[] }

/** Outlet name: the folder of a legacy file, else the first non-generic tag/category. */
const outletOf = (parsed: ParsedFile): string | undefined => {
  if (parsed.folderOutlet) return cleanLabel(parsed.folderOutlet)
  for (const name of [...parsed.categories, ...parsed.tags]) {
    if (!GENERIC.has(name.toLowerCase())) return name
  }
  return undefined
}

/**
 * Parsed file -> post draft: identity, dates, outlet, byline, content as Lexical, rendered HTML and
 * fidelity. Pure: the same input gives the same draft.
 */
export const transform = (parsed: ParsedFile, raw: string): TransformResult => {
  const warnings = [...parsed.warnings]
  const sourceUrl = normaliseUrl(parsed.url) ?? normaliseUrl(parsed.linkUrl)
  if (!sourceUrl) {
    return {
      ok: false,
      reason: parsed.url
        ? `no usable article URL: "${parsed.url.slice(0, 200)}" is not an http(s) URL`
        : 'no article URL: neither a `from:` field nor a [title](url) link line',
      warnings,
    }
  }
  const articleUrl = (() => {
    try {
      return new URL(parsed.url ?? sourceUrl).href
    } catch {
      return sourceUrl
    }
  })()

  const body = parsed.body
  const converted = htmlToLexical(body, { baseUrl: articleUrl, seed: sourceUrl })
  warnings.push(...converted.warnings)
  const contentHtml = postContentHtml(converted.content as never, (value) => ({
    url: String(value),
  }))

  const sourceText = readerText(body)
  const outText = readerText(contentHtml)
  const fidelity = Math.round(textSimilarity(sourceText, outText) * 10000) / 10000
  if (!sourceText) warnings.push('body has no visible text')

  let title = parsed.title
  if (!title) {
    title = fallbackTitle(stripJunk(outText), parsed.file)
    warnings.push('empty title: used the start of the text')
  }

  const when = choosePublishedAt({
    feedTimestamp: parsed.feedTimestamp,
    rawDate: parsed.rawDate,
    body,
    fileDate: parsed.fileDate,
  })
  if (parsed.rawStamp === 'NaN') warnings.push('feed had no date (<!--NaN-->)')
  if (when.source !== 'feed' && when.source !== 'front-matter')
    warnings.push(`date taken from the ${when.source}`)

  const outletName = outletOf(parsed)
  const outlet = outletName ? { name: outletName, host: hostOf(sourceUrl) } : undefined
  const byline = parsed.author
  const outletNames = new Set(
    [outletName, ...parsed.tags, ...parsed.categories].filter(Boolean).map((s) => s!.toLowerCase()),
  )
  const authors =
    byline && !outletNames.has(byline.toLowerCase()) && !GENERIC.has(byline.toLowerCase())
      ? [byline]
      : []

  return {
    ok: true,
    draft: {
      file: parsed.file,
      sourceUrl,
      title,
      content: converted.content,
      contentHtml,
      excerpt: postExcerpt(contentHtml),
      publishedAt: when.date?.toISOString(),
      dateSource: when.source,
      outlet,
      authors,
      categories: parsed.categories.filter((c) => !GENERIC.has(c.toLowerCase())),
      tags: parsed.tags,
      images: converted.images,
      fidelity,
      flagged: needsReview(fidelity),
      warnings,
      provenance: {
        archiveFile: parsed.file,
        contentHash: contentHashOf(raw),
        feedTimestamp: Number.isFinite(parsed.feedTimestamp) ? parsed.feedTimestamp : undefined,
        rawDate: parsed.rawDate ?? when.raw,
        frontMatter: parsed.frontMatter,
      },
    },
  }
}
