import { createHash } from 'node:crypto'

import {
  canonicalContent,
  choosePublishedAt,
  documentOfPost,
  parseArchiveFile,
  sourceOf,
  type ArchiveSource,
} from '../archive'
import { canonicalJsonWithHoles } from '../../collections/Posts/approval'
import { needsReview, postContentHtml, postExcerpt } from '../../collections/Posts/derive'
import { bigramRecall, textSimilarity } from '../richtext/similarity'
import { readerText } from '../richtext/text'
import { cleanLabel, stripJunk, withoutNul } from '../lib/clean'
import { htmlToLexical, type ConvertOptions } from './html'
import {
  isPendingUpload,
  type LexBlockNode,
  type LexState,
  paragraph,
  root,
  text,
} from '../richtext/lexical'
import type { ParsedFile } from './parse'
import type { PostDraft } from '../store/draft'
import { hostOf, normaliseUrl } from './url'

/**
 * Bumped when the transform changes what it produces, so a re-import rewrites every post once.
 * 3: posts keep their source document (`provenance.source`), hashed as content, not as bytes.
 */
export const TRANSFORM_VERSION = 3

/** Posts under this text fidelity are flagged for review (the rule lives with the posts). */
export { FIDELITY_THRESHOLD } from '../../collections/Posts/derive'

/** Pages kept as their reader-view article under this share of its text are flagged (the judge's bar). */
export const ARTICLE_RECALL_THRESHOLD = 0.98

/**
 * A post that keeps under this share of its source's text (bigram recall; for a page, of its
 * reader-view article) has lost it: the judge counts it lost, and the loss guard never lets it through.
 */
export const LOSS_FLOOR = 0.2

/** Tags and categories that name no outlet. */
/** Labels the mirror gives posts of every outlet: never an outlet, a byline or a topic. */
export const GENERIC_LABELS = ['news', 'post', 'posts', 'blog', 'uncategorized', '新闻'] as const
const GENERIC = new Set<string>(GENERIC_LABELS)

/**
 * The hash that decides "unchanged": the document's content (not its bytes: a file written back by
 * `npm run export`, or with CRLF line ends, is the same file) plus the transform version.
 */
export const sourceHashOf = (source: ArchiveSource): string =>
  createHash('sha1')
    .update(`v${TRANSFORM_VERSION}\n`)
    .update(canonicalContent(source))
    .digest('hex')

/** `sourceHashOf` of a file's text. */
export const contentHashOf = (raw: string): string => sourceHashOf(parseArchiveFile(raw, ''))

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

const percent = (share: number) => `${Math.round(share * 100)}%`

const render = (content: LexState) =>
  postContentHtml(content as never, (value) => ({ url: String(value) }))

/**
 * Converts a body and checks what the conversion kept (the loss guard). The kept visible text is
 * compared with the source's (for a page reduced to its reader-view article, with that article's
 * text) by the judge's measure; under LOSS_FLOOR the post is never stored like that: the whole body is
 * converted instead, chrome and all, and if even that loses the text, the source's visible text is
 * stored as plain paragraphs beside its images. Either way the post is flagged and the row says why.
 * No post whose source has visible text is stored without it.
 */
const convertKeepingText = (body: string, options: ConvertOptions) => {
  const sourceText = readerText(body)
  let converted = htmlToLexical(body, options)
  let content = converted.content
  let contentHtml = render(content)
  let outText = readerText(contentHtml)
  const reference = converted.articleText ?? sourceText
  const keptShare = bigramRecall(reference, outText)
  const warnings: string[] = []
  let guarded = false
  if (reference && keptShare < LOSS_FLOOR) {
    guarded = true
    if (converted.articleText) {
      warnings.push(
        `loss guard: the post kept ${percent(keptShare)} of the text of the page's reader-view article; kept the whole page instead`,
      )
      converted = htmlToLexical(body, { ...options, wholePage: true })
      content = converted.content
      contentHtml = render(content)
      outText = readerText(contentHtml)
    }
    const wholeShare = bigramRecall(sourceText, outText)
    if (wholeShare < LOSS_FLOOR) {
      warnings.push(
        `loss guard: the converted body kept ${percent(wholeShare)} of the source's visible text; stored that text as plain text instead`,
      )
      const images = content.root.children.filter((b: LexBlockNode) => b.type === 'upload')
      content = root([paragraph([text(sourceText)]), ...images])
      contentHtml = render(content)
      outText = readerText(contentHtml)
    }
  }
  const fidelity =
    Math.round(
      (converted.articleText
        ? bigramRecall(converted.articleText, outText)
        : textSimilarity(sourceText, outText)) * 10000,
    ) / 10000
  return {
    content,
    contentHtml,
    outText,
    sourceText,
    images: converted.images,
    fidelity,
    flagged:
      guarded ||
      (converted.articleText ? fidelity < ARTICLE_RECALL_THRESHOLD : needsReview(fidelity)),
    warnings: [...converted.warnings, ...warnings],
  }
}

/**
 * The categories that name a topic: not a generic word, and not the outlet itself (the archive's
 * `categories: [ <outlet> ]` names the source, which the post has as its source; as categories they
 * made a Category filter that repeated the Source filter). The front matter keeps them as written.
 */
export const topicCategories = (categories: string[], outlet: string | undefined): string[] => {
  const own = outlet?.trim().toLowerCase()
  return categories.filter((c) => {
    const name = c.trim().toLowerCase()
    return name !== '' && !GENERIC.has(name) && name !== own
  })
}

/** Outlet name: the folder of a legacy file, else the first non-generic tag/category. */
const outletOf = (parsed: ParsedFile): string | undefined => {
  if (parsed.folderOutlet) return cleanLabel(parsed.folderOutlet)
  for (const name of [...parsed.categories, ...parsed.tags]) {
    if (!GENERIC.has(name.toLowerCase())) return name
  }
  return undefined
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A title without the outlet's own name as its suffix ("港口吞吐量创新高 - 示例日报", "Title | Example
 * Daily"): scraped and mirrored titles repeat it on every post of a source, where the post already
 * names its source. Only a suffix equal to the outlet's name (letters in any case) after a dash, a
 * bar or an underscore goes; the original title stays in the post's provenance (its source
 * document and front matter), which the export writes back.
 */
export const withoutOutletSuffix = (title: string, outlet: string | undefined): string => {
  const name = outlet?.trim()
  if (!name) return title
  const suffix = new RegExp(`^(.*\\S)\\s*[-–—|｜_]\\s*${escapeRegExp(name)}\\s*$`, 'iu')
  return suffix.exec(title)?.[1] ?? title
}

/**
 * The outlet (its name and the article's host) and the byline's author: none when the byline is the
 * outlet, one of its tags or categories, or a generic word.
 */
const outletAndAuthors = (parsed: ParsedFile, sourceUrl: string) => {
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
  return { outlet, authors }
}

/**
 * Parsed file -> post draft: identity, dates, outlet, byline, content as Lexical, rendered HTML and
 * fidelity. Pure: the same input gives the same draft. `raw` is the file as read (its hash decides
 * "unchanged" on the next run).
 */
export const transform = (parsed: ParsedFile, raw: string): TransformResult =>
  transformParsed(parsed, contentHashOf(raw))

/** `transform` for a caller that hashed the raw file already (the importer's stages). */
export const transformParsed = (parsed: ParsedFile, contentHash: string): TransformResult => {
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
  const kept = convertKeepingText(body, { baseUrl: articleUrl, seed: sourceUrl })
  warnings.push(...kept.warnings)
  const { content, contentHtml, outText, sourceText } = kept
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

  const { outlet, authors } = outletAndAuthors(parsed, sourceUrl)
  title = withoutOutletSuffix(title, outlet?.name)

  return {
    ok: true,
    draft: {
      file: parsed.file,
      sourceUrl,
      title,
      contentHtml,
      contentJson: canonicalJsonWithHoles(
        content,
        (node, key) => key === 'value' && isPendingUpload(node),
      ),
      excerpt: postExcerpt(contentHtml),
      publishedAt: when.date?.toISOString(),
      dateSource: when.source,
      outlet,
      authors,
      categories: topicCategories(parsed.categories, outlet?.name),
      tags: parsed.tags,
      images: kept.images,
      fidelity: kept.fidelity,
      flagged: kept.flagged,
      warnings,
      provenance: {
        archiveFile: parsed.file,
        contentHash,
        feedTimestamp: Number.isFinite(parsed.feedTimestamp) ? parsed.feedTimestamp : undefined,
        rawDate: parsed.rawDate ?? when.raw,
        frontMatter: withoutNul(parsed.frontMatter) as Record<string, unknown>,
        // As the file said it, less NUL characters, which PostgreSQL cannot store.
        source: withoutNul(sourceOf(documentOfPost(parsed))) as ReturnType<typeof sourceOf>,
      },
    },
  }
}
