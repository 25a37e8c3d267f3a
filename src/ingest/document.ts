import type { FeedItem } from './parse'

/**
 * A feed item written as the archive's Markdown file, the form the mirror script wrote for every item
 * (see the corpus README): front matter, the `<!--ms-->` feed time, the link line, and the item's HTML
 * inside one `<div>`. Handing this to the importer's own parse + transform gives the item exactly the
 * draft the archive importer gives the same article: one pipeline, no second set of rules.
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
}

/** A YAML double-quoted scalar (JSON's string syntax is valid YAML). */
const quoted = (s: string): string => JSON.stringify(s)

export const toArchiveDocument = ({
  item,
  url,
  outlet,
  page,
  seenAt,
}: ArchiveDocumentInput): string => {
  const date =
    item.published != null
      ? new Date(item.published).toISOString()
      : seenAt
        ? seenAt.toISOString()
        : undefined
  const lines = [
    '---',
    'layout: post',
    `title: ${quoted(item.title)}`,
    ...(date ? [`date: ${date}`] : []),
    ...(item.author ? [`author: ${quoted(item.author)}`] : []),
    `from: ${quoted(url)}`,
    `tags: [ ${quoted(outlet)} ]`,
    'comments: True',
    `categories: [ ${quoted(outlet)} ]`,
    '---',
    `<!--${item.published != null ? item.published : 'NaN'}-->`,
    `[${item.title.replace(/[\r\n]+/g, ' ')}](${url})`,
    '------',
    '',
  ]
  const body = page ?? `<div>\n${item.content ?? item.summary ?? ''}\n</div>`
  return `${lines.join('\n')}${body}\n`
}
