import { archiveDocument, writeArchiveFile, type ArchiveDocument } from '../archive'
import type { FeedItem } from '../feeds/parse'

/**
 * A feed item as the archive's post document, the form the mirror script wrote for every item:
 * front matter, the `<!--ms-->` feed time, the link line, and the item's HTML inside one `<div>`.
 * Handing this to the importer's own parse + transform gives the item exactly the draft the archive
 * importer gives the same article: one pipeline, no second set of rules.
 */

export type ArchiveDocumentInput = {
  item: FeedItem
  /** The article URL (absolute). */
  url: string
  /** The source's name: the outlet, as the archive's tags and categories name it. */
  outlet: string
  /**
   * The body. Default: the item's HTML in a `<div>` (a feed item). A fetched article page is passed
   * as it is: the importer recognises a whole page and keeps its article only.
   */
  page?: string
  /**
   * `date:` for an item without a feed time (the time it was first seen). Left out of the document the
   * identity hash is taken from, so an undated item does not look changed at every poll.
   */
  seenAt?: Date
  /** The document's name (the report's file). @default '' */
  name?: string
}

/** The item as a structured archive document (`src/archive`). */
export const feedItemDocument = ({
  item,
  url,
  outlet,
  page,
  seenAt,
  name = '',
}: ArchiveDocumentInput): ArchiveDocument => {
  const date =
    item.published != null
      ? new Date(item.published).toISOString()
      : seenAt
        ? seenAt.toISOString()
        : undefined
  const body = page ?? `<div>\n${item.content ?? item.summary ?? ''}\n</div>`
  return archiveDocument({
    name,
    title: item.title,
    date,
    author: item.author || undefined,
    from: url,
    tags: [outlet],
    categories: [outlet],
    feedTime: item.published ?? Number.NaN,
    // The format has \n line ends and no blank line before the body.
    body: `${body.replace(/\r\n?/g, '\n').replace(/^\s*\n/, '')}\n`,
  })
}

/** The item as archive file text (`writeArchiveFile` of `feedItemDocument`). */
export const toArchiveDocument = (input: ArchiveDocumentInput): string =>
  writeArchiveFile(feedItemDocument(input))
