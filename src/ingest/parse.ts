import { textContent } from 'domutils'
import { DetectError, MalformedError, parseFeed } from 'feedsmith'
import { parseDocument } from 'htmlparser2'

import { parseArchiveDate } from '../importer/dates'

/**
 * Feed -> items. Pure: bytes in, plain items out, no Payload. Parsing is feedsmith's (RSS 2.0 with
 * content:encoded, Atom, RSS 1.0/RDF, JSON Feed); this file decodes the bytes, picks what each format
 * calls the link, the body, the date and the byline, and resolves relative links.
 */

/** One feed entry in the newsroom's terms. */
export type FeedItem = {
  /** The entry's guid/id as written (for the report), else its link. */
  guid?: string
  /**
   * True when `guid` is the item's permalink (an RSS guid without `isPermaLink="false"` that is an
   * http(s) URL) or no guid was written (`guid` is then the link): the store then identifies the item
   * by its link alone, else by its guid within its source.
   */
  guidIsPermaLink?: boolean
  /** The article URL, absolute (resolved against the feed's link, then the feed URL). */
  link?: string
  title: string
  /** The entry's full HTML (content:encoded, Atom content, content_html), when the feed carries it. */
  content?: string
  /** The summary (description, Atom summary, JSON summary / content_text). */
  summary?: string
  /** Epoch ms; undefined when the feed gives no usable date. */
  published?: number
  author?: string
  categories: string[]
}

export type ParsedFeed = {
  format: 'rss' | 'atom' | 'rdf' | 'json'
  title?: string
  link?: string
  items: FeedItem[]
}

export class FeedParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FeedParseError'
  }
}

const XML_ENCODING = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/

/**
 * Bytes -> text. The charset comes from a byte-order mark, else the Content-Type header, else the XML
 * declaration, else UTF-8 (RFC 7303 puts the header first). Decoded by the WHATWG decoders Node ships
 * (GBK, GB18030, Big5, Shift_JIS, EUC-KR, windows-125x, ISO-8859-x, ...).
 */
export const decodeFeed = (body: Buffer, contentType?: string): string => {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return new TextDecoder('utf-8').decode(body.subarray(3))
  if (body[0] === 0xff && body[1] === 0xfe) return new TextDecoder('utf-16le').decode(body)
  if (body[0] === 0xfe && body[1] === 0xff) return new TextDecoder('utf-16be').decode(body)
  const fromHeader = /charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType ?? '')?.[1]
  const head = body.subarray(0, 200).toString('latin1')
  const fromDeclaration = XML_ENCODING.exec(head)?.[1]
  for (const label of [fromHeader, fromDeclaration]) {
    if (!label) continue
    try {
      return new TextDecoder(label).decode(body)
    } catch {
      // An unknown label: try the next source of the charset, then UTF-8.
    }
  }
  return new TextDecoder('utf-8').decode(body)
}

/** Plain text of a title that may carry markup (Atom `type="html"`, RSS CDATA with tags). */
const plainTitle = (s: string | undefined): string => {
  if (!s) return ''
  if (!/<[a-z!/]/i.test(s)) return s.trim()
  return textContent(parseDocument(s, { decodeEntities: false })).trim()
}

const absolute = (ref: string | undefined, bases: (string | undefined)[]): string | undefined => {
  const r = ref?.trim()
  if (!r) return undefined
  // An absolute link stays as written: the importer's normaliseUrl makes the identity of it, as it
  // does of the archive's `from:` (re-serialising it here would encode a stray space differently).
  if (/^https?:\/\/[^/]/i.test(r)) return r
  for (const base of [...bases, undefined]) {
    try {
      const u = base ? new URL(r, base) : new URL(r)
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href
      return undefined
    } catch {
      // Not resolvable against this base: try the next one.
    }
  }
  return undefined
}

const dateOf = (...raws: (string | undefined)[]): number | undefined => {
  for (const raw of raws) {
    const d = parseArchiveDate(raw)
    if (d) return d.getTime()
  }
  return undefined
}

const first = <T>(xs: T[] | undefined): T | undefined => xs?.[0]
const nonEmpty = (s: string | undefined): string | undefined => (s && s.trim() ? s : undefined)

type Any = Record<string, never> & Record<string, unknown>
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * Parses a feed. `feedUrl` is the address it was fetched from (after redirects), the last base for
 * relative links. Throws `FeedParseError` with a reason an editor can act on when the document is not
 * a feed.
 */
export const parseFeedDocument = (text: string, feedUrl: string): ParsedFeed => {
  const trimmed = text.replace(/^\ufeff/, '').trim()
  if (!trimmed) throw new FeedParseError('the feed is empty')
  let input: string | object = trimmed
  if (trimmed.startsWith('{')) {
    try {
      input = JSON.parse(trimmed) as object
    } catch (err) {
      throw new FeedParseError(`not a feed: invalid JSON (${(err as Error).message})`)
    }
  }
  let parsed: ReturnType<typeof parseFeed>
  try {
    parsed = parseFeed(input as string)
  } catch (err) {
    if (err instanceof DetectError || err instanceof MalformedError) {
      const kind = /^<!doctype html|^<html/i.test(trimmed)
        ? 'an HTML page'
        : trimmed.startsWith('<')
          ? 'XML that is not RSS, Atom, RDF or JSON Feed, or is malformed'
          : 'not XML or JSON'
      throw new FeedParseError(`not a feed: ${kind} (${err.message})`)
    }
    throw new FeedParseError(`not a feed: ${(err as Error).message}`)
  }
  const { format } = parsed
  const feed = parsed.feed as unknown as Any
  const items: FeedItem[] = []

  if (format === 'atom') {
    const links = (feed.links as { href?: string; rel?: string }[] | undefined) ?? []
    const feedLink = absolute(
      (links.find((l) => !l.rel || l.rel === 'alternate') ?? links[0])?.href,
      [feedUrl],
    )
    for (const e of (feed.entries as Any[] | undefined) ?? []) {
      const elinks = (e.links as { href?: string; rel?: string }[] | undefined) ?? []
      const id = str(e.id)
      const link =
        absolute((elinks.find((l) => !l.rel || l.rel === 'alternate') ?? elinks[0])?.href, [
          feedLink,
          feedUrl,
        ]) ?? (id && /^https?:\/\//i.test(id) ? id : undefined)
      const content = e.content as { value?: string; type?: string } | undefined
      const summary = e.summary as { value?: string } | undefined
      const authors = e.authors as { name?: string }[] | undefined
      items.push({
        guid: id ?? link,
        guidIsPermaLink: !id,
        link,
        title: plainTitle((e.title as { value?: string } | undefined)?.value),
        content: nonEmpty(content?.type === 'text' ? escapeText(content.value) : content?.value),
        summary: nonEmpty(summary?.value),
        published: dateOf(str(e.published), str(e.updated)),
        author: nonEmpty(first(authors)?.name),
        categories: ((e.categories as { term?: string; label?: string }[] | undefined) ?? [])
          .map((c) => c.label ?? c.term ?? '')
          .filter(Boolean),
      })
    }
    return {
      format,
      title: plainTitle((feed.title as { value?: string })?.value),
      link: feedLink,
      items,
    }
  }

  if (format === 'json') {
    const feedLink = absolute(str(feed.home_page_url), [feedUrl])
    for (const e of (feed.items as Any[] | undefined) ?? []) {
      const id = str(e.id) ?? (typeof e.id === 'number' ? String(e.id) : undefined)
      const link =
        absolute(str(e.url), [feedLink, feedUrl]) ??
        (id && /^https?:\/\//i.test(id) ? id : undefined)
      const authors =
        (e.authors as { name?: string }[] | undefined) ??
        (e.author ? [e.author as { name?: string }] : [])
      items.push({
        guid: id ?? link,
        guidIsPermaLink: !id,
        link,
        title: plainTitle(str(e.title)),
        content: nonEmpty(str(e.content_html)) ?? nonEmpty(escapeText(str(e.content_text))),
        summary: nonEmpty(str(e.summary)),
        published: dateOf(str(e.date_published), str(e.date_modified)),
        author: nonEmpty(first(authors)?.name),
        categories: ((e.tags as string[] | undefined) ?? []).filter((t) => typeof t === 'string'),
      })
    }
    return { format, title: str(feed.title), link: feedLink, items }
  }

  // RSS 2.0 and RSS 1.0 (RDF) share their item shape in feedsmith.
  const feedLink = absolute(str(feed.link), [feedUrl])
  for (const e of (feed.items as Any[] | undefined) ?? []) {
    const guid = e.guid as { value?: string; isPermaLink?: boolean } | undefined
    const dc = e.dc as
      { creators?: string[]; creator?: string; dates?: string[]; date?: string } | undefined
    const about = (e.rdf as { about?: string } | undefined)?.about
    const guidIsLink =
      guid?.value && guid.isPermaLink !== false && /^https?:\/\//i.test(guid.value.trim())
    const link =
      absolute(str(e.link), [feedLink, feedUrl]) ??
      (guidIsLink ? guid!.value!.trim() : undefined) ??
      absolute(about, [feedLink, feedUrl])
    const authorRaw = str(e.author) ?? first(dc?.creators) ?? dc?.creator
    items.push({
      guid: guid?.value ?? about ?? link,
      guidIsPermaLink: guid?.value ? !!guidIsLink : true,
      link,
      title: plainTitle(str(e.title)),
      content: nonEmpty((e.content as { encoded?: string } | undefined)?.encoded),
      summary: nonEmpty(str(e.description)),
      published: dateOf(str(e.pubDate), first(dc?.dates), dc?.date),
      author: nonEmpty(authorRaw ? authorOf(authorRaw) : undefined),
      categories: ((e.categories as { name?: string }[] | undefined) ?? [])
        .map((c) => c.name ?? '')
        .filter(Boolean),
    })
  }
  return { format, title: str(feed.title), link: feedLink, items }
}

/** RSS `<author>` is an e-mail address, often `mail@host (Name)`: the name when there is one. */
const authorOf = (raw: string): string => {
  const m = /\(([^)]+)\)\s*$/.exec(raw)
  return (m ? m[1] : raw).trim()
}

/** Plain text as HTML paragraphs (Atom `type="text"`, JSON Feed `content_text`). */
const escapeText = (s: string | undefined): string | undefined =>
  s
    ?.split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map(
      (p) =>
        `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>')}</p>`,
    )
    .join('')

const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i

/** An article page's bytes -> text: the Content-Type charset, else `<meta charset>`, else UTF-8. */
export const decodePage = (body: Buffer, contentType?: string): string => {
  if (/charset\s*=/i.test(contentType ?? '')) return decodeFeed(body, contentType)
  const meta = META_CHARSET.exec(body.subarray(0, 2048).toString('latin1'))?.[1]
  return decodeFeed(body, meta ? `text/html; charset=${meta}` : contentType)
}
