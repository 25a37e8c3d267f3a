import render from 'dom-serializer'
import { DomHandler, type AnyNode, type Document, type Element } from 'domhandler'
import { Parser, parseDocument } from 'htmlparser2'

import { decodeFeedBytes, decodePageBytes } from './decode'
import { parseFeedDate } from './feedDates'
import { DepthError, findHostileItems, refuseHtml } from './limits'

/**
 * Feed -> items. Pure: text in, plain items out, no Payload. RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0
 * and 0.3 are read from a tolerant XML tree (htmlparser2 in XML mode), JSON Feed from JSON. The tree
 * gives what a feed reader needs and a strict parser loses: the elements of every namespace whatever
 * their prefix (`dc:date`, `media:group`, an RSS feed with prefixed elements), `xml:base` on any
 * element, and the complete items of a document cut off in the middle.
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
  /**
   * The article URL, absolute: as written when the feed wrote it absolute; a relative one resolved by
   * `xml:base` (element, entry, feed), then the feed's link, then the feed URL.
   */
  link?: string
  /** Plain text (never HTML): an Atom `type="html"` title is reduced to its text. */
  title: string
  /** The entry's full HTML (content:encoded, Atom content, content_html), when the feed carries it. */
  content?: string
  /** The summary as HTML (description, Atom summary, media:description, JSON summary / content_text). */
  summary?: string
  /** Epoch ms; undefined when the feed gives no date in a known form. */
  published?: number
  author?: string
  categories: string[]
}

/** An item refused before its HTML was parsed (a cap broken), with what identifies it. */
export type RefusedItem = {
  guid?: string
  link?: string
  title?: string
  reason: string
}

export type ParsedFeed = {
  format: 'rss' | 'atom' | 'rdf' | 'json'
  title?: string
  link?: string
  items: FeedItem[]
  /** Items that break a cap (`limits.ts`): each should end in a failed row with its reason. */
  refused: RefusedItem[]
  /**
   * Problems that cost nothing an editor can recover (a feed cut off after its last complete item),
   * for the source's health. A damaged feed is not a failed poll.
   */
  warnings: string[]
}

export class FeedParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FeedParseError'
  }
}

/** Bytes -> text: BOM, Content-Type charset, XML declaration, detection (see `decode.ts`). */
export const decodeFeed = (body: Buffer, contentType?: string): string =>
  decodeFeedBytes(body, contentType).text

/** An article page's bytes -> text: BOM, Content-Type charset, `<meta charset>`, detection. */
export const decodePage = (body: Buffer, contentType?: string): string =>
  decodePageBytes(body, contentType).text

const NS = {
  atom: 'http://www.w3.org/2005/atom',
  atom03: 'http://purl.org/atom/ns#',
  rss1: 'http://purl.org/rss/1.0/',
  rss090: 'http://my.netscape.com/rdf/simple/0.9/',
  rss2: 'http://backend.userland.com/rss2',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  media: 'http://search.yahoo.com/mrss/',
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  feedburner: 'http://rssnamespace.org/feedburner/ext/1.0',
} as const

/** Namespace URIs are kept in lower case (see `nsOf`). Namespaces feeds use without declaring them, by their usual prefix. */
const USUAL_PREFIX: Record<string, string> = {
  atom: NS.atom,
  rss: NS.rss1,
  rdf: NS.rdf,
  content: NS.content,
  dc: NS.dc,
  dcterms: NS.dcterms,
  media: NS.media,
  itunes: NS.itunes,
  feedburner: NS.feedburner,
}

/** The namespaces whose elements are the format's own (RSS's `<title>` with or without a prefix). */
const CORE = {
  rss: new Set(['', NS.rss2, NS.rss1, NS.rss090]),
  rdf: new Set(['', NS.rss1, NS.rss090]),
  atom: new Set([NS.atom, NS.atom03]),
}

/**
 * A declared namespace URI as the known one it means: feeds write the known URIs without their
 * trailing slash (`http://purl.org/rss/1.0/modules/content`, `http://purl.org/dc/elements/1.1`) or
 * with https, and feed readers still read those elements.
 */
const nsKey = (uri: string) => uri.replace(/^https:/, 'http:').replace(/\/+$/, '')
const KNOWN_NS = new Map<string, string>(Object.values(NS).map((uri) => [nsKey(uri), uri]))
const knownNs = (uri: string): string => KNOWN_NS.get(nsKey(uri)) ?? uri

const isElement = (n: AnyNode | undefined): n is Element =>
  !!n && (n.type === 'tag' || n.type === 'script' || n.type === 'style')

const localOf = (el: Element): string => el.name.slice(el.name.indexOf(':') + 1)

/** The namespace URI of an element, from the declarations in scope (or the prefix's usual one). */
const nsOf = (el: Element): string => {
  const colon = el.name.indexOf(':')
  const prefix = colon === -1 ? '' : el.name.slice(0, colon)
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns'
  for (
    let n: Element | null = el;
    n;
    n = isElement(n.parent ?? undefined) ? (n.parent as Element) : null
  )
    // Compared without case: feeds write `http://www.itunes.com/DTDs/PodCast-1.0.dtd` too.
    if (attr in n.attribs) return knownNs(n.attribs[attr].trim().toLowerCase())
  return prefix ? (USUAL_PREFIX[prefix.toLowerCase()] ?? `urn:undeclared:${prefix}`) : ''
}

const childElements = (el: Element | Document): Element[] => el.children.filter(isElement)

/** Children named `local` in one of `namespaces`. */
const children = (el: Element | undefined, namespaces: Set<string> | string, local: string) => {
  if (!el) return []
  const match =
    typeof namespaces === 'string'
      ? (ns: string) => ns === namespaces
      : (ns: string) => namespaces.has(ns)
  return childElements(el).filter((c) => localOf(c) === local && match(nsOf(c)))
}

const child = (el: Element | undefined, namespaces: Set<string> | string, local: string) =>
  children(el, namespaces, local)[0]

/** Concatenated text of the text and CDATA under `el`, walked without recursion. */
const textOf = (el: AnyNode | undefined): string => {
  if (!el) return ''
  let out = ''
  const stack: AnyNode[] = [el]
  while (stack.length) {
    const n = stack.pop()!
    if (n.type === 'text') out += n.data
    else if ('children' in n)
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i])
  }
  return out
}

const serialise = (nodes: AnyNode[]): string =>
  render(nodes, { encodeEntities: 'utf8', selfClosingTags: false })

/**
 * An element whose value is HTML (RSS description, content:encoded): its text, which holds the HTML
 * escaped or in CDATA; markup written raw into the element (invalid, not rare) is serialised back.
 */
const htmlOf = (el: Element | undefined): string | undefined => {
  if (!el) return undefined
  return nonEmpty(childElements(el).length ? serialise(el.children) : textOf(el))
}

const nonEmpty = (s: string | undefined): string | undefined => (s && s.trim() ? s : undefined)

/** Plain text as HTML paragraphs (Atom `type="text"`, JSON Feed `content_text`, media:description). */
const escapeText = (s: string | undefined): string | undefined =>
  nonEmpty(
    s
      ?.split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map(
        (p) =>
          `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>')}</p>`,
      )
      .join(''),
  )

/** The text of an HTML fragment (entities decoded). */
const htmlToText = (html: string): string => textOf(parseDocument(html))

/**
 * What an Atom text construct holds (RFC 4287 3.1, with Atom 0.3's MIME types and `mode`): text,
 * HTML, XHTML nodes, or another media type (binary or data: not article text). Markup written raw
 * into a construct that says text or html is still markup, and is serialised back.
 */
type Construct =
  { kind: 'text' | 'html'; value: string } | { kind: 'xhtml'; nodes: AnyNode[] } | { kind: 'other' }
const constructOf = (el: Element): Construct => {
  if (el.attribs.src) return { kind: 'other' }
  const type = (el.attribs.type ?? '').trim().toLowerCase()
  const mode = (el.attribs.mode ?? '').trim().toLowerCase()
  const base64 = mode === 'base64'
  const value = base64 ? Buffer.from(textOf(el), 'base64').toString('utf8') : textOf(el)
  const markup = !base64 && childElements(el).length > 0
  if (mode === 'escaped' || type === 'html' || type === 'text/html') {
    // Escaped HTML inside a wrapping xhtml div is still the escaped HTML.
    const nodes = markup ? xhtmlNodes(el) : []
    const inner = nodes.some(isElement) ? serialise(nodes) : nodes.map(textOf).join('')
    return { kind: 'html', value: markup ? inner : value }
  }
  const xml = type === 'xhtml' || type.endsWith('+xml') || type.endsWith('/xml')
  if (xml || type === '' || type === 'text' || type.startsWith('text/'))
    return markup ? { kind: 'xhtml', nodes: xhtmlNodes(el) } : { kind: 'text', value }
  return { kind: 'other' }
}

/** The children an xhtml construct holds: those of its single wrapping `div`. */
const xhtmlNodes = (el: Element): AnyNode[] => {
  const els = childElements(el)
  const only = els.length === 1 && localOf(els[0]) === 'div' ? els[0] : undefined
  return only ? only.children : el.children
}

/** An Atom text construct as plain text (titles). */
const constructText = (el: Element | undefined): string => {
  if (!el) return ''
  const c = constructOf(el)
  switch (c.kind) {
    case 'html':
      // A title whose markup breaks a cap is not parsed: its tags are dropped as text.
      return (refuseHtml(c.value) ? c.value.replace(/<[^>]*>/g, '') : htmlToText(c.value)).trim()
    case 'xhtml':
      return c.nodes.map(textOf).join('').trim()
    case 'text':
      return c.value.trim()
    default:
      return ''
  }
}

/** An Atom text construct as HTML (content, summary). */
const constructHtml = (el: Element | undefined): string | undefined => {
  if (!el) return undefined
  const c = constructOf(el)
  switch (c.kind) {
    case 'html':
      return nonEmpty(c.value)
    case 'xhtml':
      return nonEmpty(serialise(c.nodes))
    case 'text':
      return escapeText(c.value)
    default:
      return undefined
  }
}

const HTTP = /^https?:\/\/[^/]/i

/** `ref` made absolute against the first base that resolves it; http(s) only. */
const absolute = (ref: string | undefined, bases: (string | undefined)[]): string | undefined => {
  const r = ref?.trim()
  if (!r) return undefined
  // An absolute link stays as written: normalisation is for matching, elsewhere.
  if (HTTP.test(r)) return r
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

/**
 * The base URI of `el` (XML Base): its own and its ancestors' `xml:base`, each resolved against the
 * one above, the outermost against the document URL. Undefined when no `xml:base` is in scope.
 */
const baseOf = (el: Element | undefined, documentUrl: string): string | undefined => {
  const chain: string[] = []
  for (let n = el; n; n = isElement(n.parent ?? undefined) ? (n.parent as Element) : undefined)
    if (n.attribs['xml:base'] !== undefined) chain.unshift(n.attribs['xml:base'].trim())
  if (!chain.length) return undefined
  let base = documentUrl
  for (const b of chain) {
    try {
      base = new URL(b, base).href
    } catch {
      // An unusable xml:base adds nothing.
    }
  }
  return base
}

const URL_ATTRIBUTES: Record<string, string[]> = {
  a: ['href'],
  img: ['src'],
  source: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  iframe: ['src'],
}

/** Relative `href`/`src` in an item's HTML resolved against `base` (only when an xml:base applies). */
const resolveLinks = (html: string | undefined, base: string | undefined): string | undefined => {
  if (!html || !base || !/\s(?:href|src|poster)\s*=/i.test(html)) return html
  // Over a cap: left as it is, for checkItem to refuse before any tree is built of it.
  if (refuseHtml(html)) return html
  const doc = parseDocument(html)
  let changed = false
  const stack: AnyNode[] = [...doc.children]
  while (stack.length) {
    const n = stack.pop()!
    if (!isElement(n)) continue
    for (const attr of URL_ATTRIBUTES[n.name] ?? []) {
      const v = n.attribs[attr]
      if (v === undefined || HTTP.test(v.trim()) || /^(?:#|[a-z][a-z0-9+.-]*:)/i.test(v.trim()))
        continue
      const resolved = absolute(v, [base])
      if (resolved) {
        n.attribs[attr] = resolved
        changed = true
      }
    }
    stack.push(...n.children)
  }
  return changed ? render(doc, { encodeEntities: 'utf8' }) : html
}

const EMAIL = /^[^\s@()<>]+@[^\s@()<>]+$/

/**
 * RSS `<author>` is an e-mail address, often `mail@host (Name)` (also `Name (mail@host)` and
 * `Name <mail@host>`): the name when there is one.
 */
const authorOf = (raw: string): string => {
  const s = raw.trim()
  const m = /^(.*?)\s*[(<]([^()<>]+)[)>]\s*$/.exec(s)
  if (!m) return s
  const [, outside, inside] = m
  if (EMAIL.test(outside.trim())) return inside.trim()
  if (EMAIL.test(inside.trim()) && outside.trim()) return outside.trim()
  return inside.trim() || outside.trim()
}

const firstDate = (...els: (Element | undefined)[]): number | undefined => {
  for (const el of els) {
    const d = el && parseFeedDate(textOf(el))
    if (d !== undefined) return d
  }
  return undefined
}

const firstText = (...els: (Element | undefined)[]): string | undefined => {
  for (const el of els) {
    const t = el && textOf(el).trim()
    if (t) return t
  }
  return undefined
}

/**
 * The feed's own structure. An end tag missing from one of their children (`<title>x</item>`) damages
 * the item (or channel); markup written raw inside a field (`<description><p>text</description>`)
 * is the field's problem, not the item's, and is repaired as HTML would be.
 */
const STRUCTURE = new Set(['item', 'entry', 'channel', 'rss', 'rdf', 'feed'])
const parentElement = (el: Element): Element | undefined =>
  isElement(el.parent ?? undefined) ? (el.parent as Element) : undefined

/** The tree of an XML feed, with what the parser had to repair. */
class TolerantHandler extends DomHandler {
  /** Elements the document ended inside (cut off): their content is incomplete. */
  openAtEnd: Element[] = []
  /** Items, channels and roots with a child's end tag missing in the middle of the document. */
  malformed = new Set<Element>()
  private ending = false
  private at: { endIndex: number | null } | undefined
  constructor(private readonly text: string) {
    super(undefined, { xmlMode: true })
  }
  onparserinit(parser: Parser) {
    this.at = parser
    super.onparserinit(parser)
  }
  /** Called before the parser implies the end of what is still open at the end of the text. */
  recordOpen() {
    this.openAtEnd = this.tagStack.filter(isElement)
    this.ending = true
  }
  onclosetag(name?: string, implied?: boolean) {
    const el = this.tagStack[this.tagStack.length - 1]
    if (isElement(el)) {
      // The parser reports `<x/>` as an implied end too: its end index is at the "/>".
      const end = this.at?.endIndex ?? -1
      const selfClosing = this.text[end] === '>' && this.text[end - 1] === '/'
      const parent = parentElement(el)
      if (implied && !selfClosing && !this.ending && parent)
        if (STRUCTURE.has(localOf(parent).toLowerCase())) this.malformed.add(parent)
    }
    super.onclosetag()
  }
}

/** The tolerant tree: like a feed reader, keeps everything before the damage. */
const parseXml = (text: string): { doc: Document; damaged: Set<Element> } => {
  const handler = new TolerantHandler(text)
  const parser = new Parser(handler, { xmlMode: true, decodeEntities: true })
  // At the end of the text the parser implies the end of every open element before telling the
  // handler: what is open then is recorded first.
  const end = parser.onend.bind(parser)
  parser.onend = () => {
    handler.recordOpen()
    end()
  }
  parser.end(text)
  return { doc: handler.root, damaged: new Set([...handler.openAtEnd, ...handler.malformed]) }
}

type ItemDraft = { item: FeedItem; el?: Element }

/** Refuses an item whose HTML breaks a cap; otherwise passes it through. */
const checkItem = (draft: FeedItem, items: FeedItem[], refused: RefusedItem[]): void => {
  const reason = refuseHtml(draft.content) ?? refuseHtml(draft.summary)
  if (reason) refused.push({ guid: draft.guid, link: draft.link, title: draft.title, reason })
  else items.push(draft)
}

/** What identifies an item cut out before parsing: its title, link and id as written, roughly. */
const identifyRaw = (raw: string): Omit<RefusedItem, 'reason'> => {
  const head = raw.slice(0, 4000)
  const text = (local: string) => {
    const m = new RegExp(
      `<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>\\s*(?:<!\\[CDATA\\[)?([^<\\]]{1,500})`,
      'i',
    ).exec(head)
    return m?.[1].trim() || undefined
  }
  const href = /<(?:[\w.-]+:)?link\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]
  return { title: text('title'), link: text('link') ?? href, guid: text('guid') ?? text('id') }
}

/**
 * Parses a feed. `feedUrl` is the address it was fetched from (after redirects), the last base for
 * relative links. Throws `FeedParseError` with a reason an editor can act on when the document is not
 * a feed, or is damaged before its first complete item.
 */
export const parseFeedDocument = (text: string, feedUrl: string): ParsedFeed => {
  const trimmed = text.replace(/^\ufeff/, '').trim()
  if (!trimmed) throw new FeedParseError('the feed is empty')
  if (trimmed.startsWith('{')) return parseJsonFeed(trimmed, feedUrl)
  if (!trimmed.startsWith('<')) throw new FeedParseError('not a feed: not XML or JSON')

  let excised
  try {
    excised = findHostileItems(trimmed)
  } catch (err) {
    if (err instanceof DepthError) throw new FeedParseError(`not a feed: ${err.message}`)
    throw err
  }
  const refused: RefusedItem[] = excised.map((x) => ({
    ...identifyRaw(trimmed.slice(x.start, x.end)),
    reason: x.reason,
  }))
  let source = trimmed
  for (const x of [...excised].reverse()) source = source.slice(0, x.start) + source.slice(x.end)

  const { doc, damaged } = parseXml(source)
  const root = childElements(doc)[0]
  const rootName = root ? localOf(root).toLowerCase() : ''
  const format =
    rootName === 'rss' || rootName === 'channel'
      ? 'rss'
      : rootName === 'rdf'
        ? 'rdf'
        : rootName === 'feed'
          ? 'atom'
          : undefined
  if (!root || !format) {
    const kind = /^<!doctype html|^<html/i.test(trimmed)
      ? 'an HTML page'
      : `XML that is not RSS, Atom, RDF or JSON Feed (its root is <${root?.name ?? '?'}>)`
    throw new FeedParseError(`not a feed: ${kind}`)
  }
  const warnings: string[] = []
  const feed = format === 'atom' ? readAtom(root, feedUrl) : readRss(root, format, feedUrl)
  const complete = feed.drafts.filter((d) => !d.el || !damaged.has(d.el))
  const items: FeedItem[] = []
  for (const d of complete) checkItem(d.item, items, refused)
  if (damaged.size) {
    const lost = feed.drafts.length - complete.length
    if (!complete.length && !excised.length)
      throw new FeedParseError(
        'not a feed: XML cut off or malformed before its first complete item',
      )
    warnings.push(
      `the feed is cut off or malformed: kept the ${complete.length} complete item(s)${lost ? `, dropped ${lost} damaged` : ''}`,
    )
  }
  return { format, title: feed.title, link: feed.link, items, refused, warnings }
}

type Read = { title?: string; link?: string; drafts: ItemDraft[] }

const readAtom = (root: Element, feedUrl: string): Read => {
  const core = CORE.atom
  const alternate = (el: Element) => {
    const links = children(el, core, 'link')
    return links.find((l) => !l.attribs.rel || l.attribs.rel === 'alternate') ?? links[0]
  }
  const feedLinkEl = alternate(root)
  const feedLink = absolute(feedLinkEl?.attribs.href, [baseOf(feedLinkEl, feedUrl), feedUrl])
  const drafts: ItemDraft[] = []
  for (const e of children(root, core, 'entry')) {
    const id = firstText(child(e, core, 'id'))
    const linkEl = alternate(e)
    const origLink = firstText(child(e, NS.feedburner, 'origLink'))
    const link =
      absolute(linkEl?.attribs.href, [baseOf(linkEl, feedUrl), feedLink, feedUrl]) ??
      absolute(origLink, []) ??
      (id && HTTP.test(id) ? id : undefined)
    const group = child(e, NS.media, 'group')
    const mediaDescription =
      child(group, NS.media, 'description') ?? child(e, NS.media, 'description')
    const contentEl = child(e, core, 'content')
    const summaryEl = child(e, core, 'summary')
    const itunesSummary = child(e, NS.itunes, 'summary')
    const author = child(e, core, 'author')
    drafts.push({
      el: e,
      item: {
        guid: id ?? link,
        guidIsPermaLink: !id,
        link,
        title:
          constructText(child(e, core, 'title')) ||
          firstText(child(e, NS.dc, 'title'), child(group, NS.media, 'title')) ||
          '',
        content: resolveLinks(constructHtml(contentEl), baseOf(contentEl, feedUrl)),
        summary:
          resolveLinks(constructHtml(summaryEl), baseOf(summaryEl, feedUrl)) ??
          escapeText(firstText(mediaDescription, itunesSummary, child(e, NS.dc, 'description'))),
        published: firstDate(
          child(e, core, 'published'),
          child(e, core, 'issued'),
          child(e, core, 'updated'),
          child(e, core, 'modified'),
          child(e, core, 'created'),
          child(e, NS.dc, 'date'),
          child(e, NS.dcterms, 'issued'),
          child(e, NS.dcterms, 'modified'),
        ),
        author: firstText(child(author, core, 'name'), child(e, NS.dc, 'creator')),
        categories: children(e, core, 'category')
          .map((c) => (c.attribs.label ?? c.attribs.term ?? textOf(c)).trim())
          .filter(Boolean),
      },
    })
  }
  return { title: constructText(child(root, core, 'title')) || undefined, link: feedLink, drafts }
}

const readRss = (root: Element, format: 'rss' | 'rdf', feedUrl: string): Read => {
  // The root's own namespace too: `<rss xmlns="http://www.w3.org/2005/Atom">` is seen in the wild.
  const core = new Set([...CORE[format], nsOf(root)])
  const channel = localOf(root).toLowerCase() === 'channel' ? root : child(root, core, 'channel')
  const feedLinkEl = child(channel, core, 'link')
  const feedLink = absolute(firstText(feedLinkEl), [baseOf(feedLinkEl, feedUrl), feedUrl])
  const itemEls = [
    ...children(channel, core, 'item'),
    ...(channel === root ? [] : children(root, core, 'item')),
  ]
  const drafts: ItemDraft[] = []
  for (const e of itemEls) {
    const guidEl = child(e, core, 'guid')
    const guid = firstText(guidEl)
    const saysPermaLink =
      (guidEl?.attribs.isPermaLink ?? guidEl?.attribs.ispermalink ?? 'true')
        .trim()
        .toLowerCase() !== 'false'
    // A guid is a permalink only when the feed does not deny it and it is a web address; a guid
    // like "episode-12" identifies its item within the source even where the feed forgot the
    // attribute (podcasts whose every item links to the show's home page).
    const guidIsPermaLink = guid ? saysPermaLink && HTTP.test(guid) : true
    const about = e.attribs['rdf:about']?.trim() || undefined
    const bases = (el: Element | undefined) => [baseOf(el, feedUrl), feedLink, feedUrl]
    const linkEl = child(e, core, 'link')
    const atomLinks = children(e, NS.atom, 'link')
    const atomLink = atomLinks.find((l) => !l.attribs.rel || l.attribs.rel === 'alternate')
    const origLink = firstText(child(e, NS.feedburner, 'origLink'))
    const link =
      absolute(firstText(linkEl), bases(linkEl)) ??
      absolute(atomLink?.attribs.href, bases(atomLink)) ??
      absolute(origLink, []) ??
      (guid && guidIsPermaLink ? guid : undefined) ??
      absolute(about, bases(e))
    const contentEl = child(e, NS.content, 'encoded')
    const atomContent = child(e, NS.atom, 'content')
    const descriptionEl = child(e, core, 'description')
    const group = child(e, NS.media, 'group')
    const authorRaw = firstText(
      child(e, core, 'author'),
      child(e, NS.dc, 'creator'),
      child(e, NS.dc, 'author'),
      child(e, NS.itunes, 'author'),
      child(child(e, NS.atom, 'author'), NS.atom, 'name'),
    )
    drafts.push({
      el: e,
      item: {
        guid: guid ?? about ?? link,
        guidIsPermaLink,
        link,
        // RSS titles are text: "AT&T <S> shares" is what the reader sees.
        title: firstText(child(e, core, 'title'), child(e, NS.dc, 'title')) ?? '',
        content:
          resolveLinks(htmlOf(contentEl), baseOf(contentEl, feedUrl)) ??
          resolveLinks(constructHtml(atomContent), baseOf(atomContent, feedUrl)),
        summary:
          resolveLinks(htmlOf(descriptionEl), baseOf(descriptionEl, feedUrl)) ??
          htmlOf(child(e, NS.dc, 'description')) ??
          escapeText(
            firstText(
              child(e, NS.itunes, 'summary'),
              child(group, NS.media, 'description'),
              child(e, NS.media, 'description'),
            ),
          ),
        published: firstDate(
          child(e, core, 'pubDate'),
          child(e, NS.dc, 'date'),
          child(e, NS.dcterms, 'issued'),
          child(e, NS.dcterms, 'modified'),
          child(e, NS.dcterms, 'created'),
          child(e, NS.atom, 'published'),
          child(e, NS.atom, 'updated'),
        ),
        author: authorRaw ? authorOf(authorRaw) || undefined : undefined,
        categories: [...children(e, core, 'category'), ...children(e, NS.dc, 'subject')]
          .map((c) => textOf(c).trim())
          .filter(Boolean),
      },
    })
  }
  return { title: firstText(child(channel, core, 'title')), link: feedLink, drafts }
}

type Json = Record<string, unknown>
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

const parseJsonFeed = (text: string, feedUrl: string): ParsedFeed => {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new FeedParseError(`not a feed: invalid JSON (${(err as Error).message})`)
  }
  const feed = data as Json
  if (!feed || typeof feed !== 'object' || !Array.isArray(feed.items))
    throw new FeedParseError('not a feed: JSON without an "items" list (not a JSON Feed)')
  const feedLink = absolute(str(feed.home_page_url), [feedUrl])
  const items: FeedItem[] = []
  const refused: RefusedItem[] = []
  for (const raw of feed.items as unknown[]) {
    if (!raw || typeof raw !== 'object') continue
    const e = raw as Json
    const id = str(e.id) ?? (typeof e.id === 'number' ? String(e.id) : undefined)
    const link =
      absolute(str(e.url), [feedLink, feedUrl]) ??
      absolute(str(e.external_url), [feedLink, feedUrl]) ??
      (id && HTTP.test(id) ? id : undefined)
    const authors = Array.isArray(e.authors)
      ? (e.authors as Json[])
      : e.author && typeof e.author === 'object'
        ? [e.author as Json]
        : []
    checkItem(
      {
        guid: id ?? link,
        guidIsPermaLink: !id,
        link,
        title: str(e.title)?.trim() ?? '',
        content: nonEmpty(str(e.content_html)) ?? escapeText(str(e.content_text)),
        summary: escapeText(str(e.summary)),
        published: parseFeedDate(str(e.date_published)) ?? parseFeedDate(str(e.date_modified)),
        author: nonEmpty(str(authors[0]?.name))?.trim(),
        categories: Array.isArray(e.tags)
          ? e.tags.filter((t): t is string => typeof t === 'string')
          : [],
      },
      items,
      refused,
    )
  }
  return { format: 'json', title: str(feed.title), link: feedLink, items, refused, warnings: [] }
}

/** A feed's bytes read: its items, or why it is not a feed (`FeedParseError`'s reason). */
export type FeedRead = { ok: true; feed: ParsedFeed } | { ok: false; reason: string }

/**
 * Decodes and parses a feed's bytes (`decodeFeed`, `parseFeedDocument`) as data that crosses a
 * thread: the importer's pool runs it on a worker for a big feed.
 */
export const readFeedBytes = (
  body: Uint8Array,
  contentType: string | undefined,
  feedUrl: string,
): FeedRead => {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  try {
    return { ok: true, feed: parseFeedDocument(decodeFeed(bytes, contentType), feedUrl) }
  } catch (err) {
    if (err instanceof FeedParseError) return { ok: false, reason: err.message }
    throw err
  }
}
