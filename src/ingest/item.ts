import path from 'node:path'

import { cleanLabel } from '../lib/clean'
import type { ParsedFile } from '../importer/parse'
import { contentHashOf } from '../importer/transform'
import type { FeedItem } from '../feeds/parse'

/**
 * A feed item as the importer's parsed document (`ParsedFile`), built directly from the item: the
 * same parts the archive's own form of an item has (the mirror script wrote front matter, the
 * `<!--ms-->` feed time, the link line and the item's HTML in one `<div>`), so the importer's
 * transform gives the item exactly the draft the archive importer gives the same article, without
 * writing Markdown text and parsing it again.
 */

export type ItemDocumentInput = {
  item: FeedItem
  /** The report's name of the item (`ingest/<source>/<guid or link>`). */
  file: string
  /** The article URL as the feed wrote it (absolute). */
  url: string
  /** The source's name: the outlet, as the archive's tags and categories name it. */
  outlet: string
  /**
   * The body. Default: the item's HTML in a `<div>` (a feed item). A fetched article page is passed
   * as it is: the importer recognises a whole page and keeps its article only.
   */
  page?: string
  /** The date of an item without a feed time (the time it was first seen). */
  seenAt?: Date
}

/** `YYYY-MM-DD` when the name starts with one (the importer's file-name date). */
const fileDateOf = (file: string): string | undefined =>
  /^(\d{4}-\d{2}-\d{2})-/.exec(path.basename(file))?.[1]

const present = (s: string | undefined) => (s && s.trim() ? s : undefined)

export const toParsedFile = ({
  item,
  file,
  url,
  outlet,
  page,
  seenAt,
}: ItemDocumentInput): ParsedFile => {
  const date =
    item.published != null
      ? new Date(item.published).toISOString()
      : seenAt
        ? seenAt.toISOString()
        : undefined
  const author = present(item.author)
  const label = cleanLabel(outlet)
  const frontMatter: Record<string, unknown> = {
    layout: 'post',
    title: item.title,
    ...(date ? { date } : {}),
    ...(author ? { author } : {}),
    from: url,
    tags: [outlet],
    comments: true,
    categories: [outlet],
  }
  const body = (page ?? `<div>\n${item.content ?? item.summary ?? ''}\n</div>`).replace(
    /\r\n?/g,
    '\n',
  )
  return {
    file,
    frontMatter,
    hasFrontMatter: true,
    title: cleanLabel(item.title),
    rawDate: date,
    author: author ? cleanLabel(author) : undefined,
    url,
    linkTitle: item.title.replace(/[\r\n]+/g, ' '),
    linkUrl: url,
    tags: label ? [label] : [],
    categories: label ? [label] : [],
    feedTimestamp: item.published ?? Number.NaN,
    rawStamp: item.published != null ? String(item.published) : 'NaN',
    body: `${body}\n`.replace(/^\s*\n/, ''),
    fileDate: fileDateOf(file),
    warnings: [],
  }
}

/**
 * The hash that decides "unchanged" for an item: what the feed carries of it (not the time it was
 * first seen, so an undated item does not look changed at every poll) and the transform version.
 */
export const itemHash = (item: FeedItem, url: string, outlet: string): string =>
  contentHashOf(
    JSON.stringify([
      'feed-item',
      item.title,
      url,
      item.guidIsPermaLink ? null : (item.guid ?? null),
      item.published ?? null,
      item.author ?? null,
      item.content ?? null,
      item.summary ?? null,
      outlet,
    ]),
  )
