import type { Request, RequestHandler } from 'express'
import { Feed, type Item } from 'feed'
import type { Payload, Where } from 'payload'

import type { Author, Category, Post, Source } from '../payload-types'
import { sanitizeRenderedHtml } from '../richtext/safeHtml'
import { safeUrl } from '../richtext/safeUrl'
import type { Attribution } from './attribution'
import { settings } from '../config'
import { CATEGORIES, POSTS, SOURCES } from '../lib/slugs'

export type FeedsOptions = {
  /**
   * Posts in one feed, newest first.
   * @default settings().feedItems (FEED_ITEMS), 50
   */
  items?: number
  /**
   * The title of the feed of all posts.
   * @default settings().feedTitle (FEED_TITLE), 'Newsroom'
   */
  title?: string
  /**
   * Absolute base URL for links in feeds. A Host header is never trusted for it when this or the
   * config's `serverURL` is set.
   * @default settings().publicSiteUrl (PUBLIC_SITE_URL) || payload.config.serverURL || the request's origin
   */
  siteUrl?: string
}

type Format = 'rss' | 'atom'

type FeedPost = Pick<
  Post,
  | 'id'
  | 'title'
  | 'slug'
  | 'contentHtml'
  | 'excerpt'
  | 'publishedAt'
  | 'updatedAt'
  | 'tags'
  | 'sourceUrl'
> & {
  authors?: (number | Author)[] | null
  categories?: (number | Category)[] | null
  source?: number | Source | null
  attribution?: Attribution
}

type Channel = { title: string; description?: string; copyright?: string; path: string }

// Characters XML 1.0 does not allow anywhere, even escaped (C0 controls but tab/LF/CR, U+FFFE/F,
// lone surrogates). One of them in an imported title would make the whole feed unparsable.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const xmlSafe = (text: string): string => text.replace(INVALID_XML, '')

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
/** Escapes text for HTML content or an XML attribute value. */
const escapeMarkup = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/** An absolute http(s) URL the feed library can put in an attribute (parsed, so `"`, `<` and spaces are encoded), or undefined. */
const webUrl = (value: string | null | undefined): string | undefined =>
  value ? safeUrl(value, 'web') : undefined

const named = <T extends { name?: string | null }>(
  values: (number | T)[] | null | undefined,
): T[] =>
  (values ?? []).filter((v): v is T => typeof v === 'object' && v !== null && Boolean(v.name))

/** The credit line appended to each item's content: outlet, original link and licence text. */
const creditHtml = (post: FeedPost): string => {
  const a = post.attribution
  if (!a || (!a.outlet && !a.sourceUrl && !a.licence)) return ''
  const parts: string[] = []
  const original = webUrl(a.sourceUrl)
  if (a.outlet) parts.push(escapeMarkup(a.outlet))
  if (original) parts.push(`<a href="${escapeMarkup(original)}">${escapeMarkup(original)}</a>`)
  if (a.licence) parts.push(escapeMarkup(a.licence))
  return `<p class="attribution">${parts.join(' · ')}</p>`
}

const FEED_SELECT = {
  title: true,
  slug: true,
  contentHtml: true,
  excerpt: true,
  publishedAt: true,
  updatedAt: true,
  tags: true,
  sourceUrl: true,
  authors: true,
  categories: true,
  source: true,
} as const

/**
 * Renders one feed. The feed library writes item titles, summaries and content as CDATA and Atom
 * marks them `type="html"`: for Atom the item title is therefore HTML-escaped first (so `<新闻>` stays
 * text), and so are category labels, which it writes as attributes without escaping them.
 */
export const renderFeed = (
  format: Format,
  channel: Channel,
  posts: FeedPost[],
  siteUrl: string,
): string => {
  const selfUrl = `${siteUrl}${channel.path}`
  const updated = posts.reduce<Date | undefined>((latest, p) => {
    const d = new Date(p.updatedAt ?? p.publishedAt ?? 0)
    return !latest || d > latest ? d : latest
  }, undefined)
  const feed = new Feed({
    id: selfUrl,
    // The channel title is a text element in both formats (no `type="html"`), escaped by the library.
    title: xmlSafe(channel.title),
    description: channel.description ? xmlSafe(channel.description) : undefined,
    copyright: channel.copyright ? xmlSafe(channel.copyright) : undefined,
    link: siteUrl,
    updated: updated ?? new Date(0),
    generator: 'newsroom-cms',
    feedLinks: { [format]: selfUrl },
  })
  for (const post of posts) {
    const apiUrl = `${siteUrl}/api/posts/${post.id}`
    const item: Item = {
      title: xmlSafe(format === 'atom' ? escapeMarkup(post.title) : post.title),
      id: apiUrl,
      guid: apiUrl,
      link: webUrl(post.sourceUrl) ?? apiUrl,
      date: new Date(post.updatedAt ?? post.publishedAt ?? 0),
      published: post.publishedAt ? new Date(post.publishedAt) : undefined,
      description: post.excerpt ? xmlSafe(escapeMarkup(post.excerpt)) : undefined,
      content: xmlSafe(`${sanitizeRenderedHtml(post.contentHtml ?? '')}${creditHtml(post)}`),
      author: named(post.authors).map((a) => ({ name: xmlSafe(a.name) })),
      category: [
        ...named(post.categories).map((c) => ({
          name: xmlSafe(format === 'atom' ? escapeMarkup(c.name) : c.name),
        })),
        ...(post.tags ?? []).map((t) => ({
          name: xmlSafe(format === 'atom' ? escapeMarkup(t) : t),
        })),
      ],
    }
    feed.addItem(item)
  }
  return format === 'atom' ? feed.atom1() : feed.rss2()
}

const CONTENT_TYPES: Record<Format, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
}

const parseFile = (file: string): { name: string; format: Format } | undefined => {
  const m = /^(.+)\.(xml|rss|atom)$/.exec(file)
  if (!m?.[1] || !m[2]) return undefined
  return { name: m[1], format: m[2] === 'atom' ? 'atom' : 'rss' }
}

const notFound = (message: string) =>
  new Response(JSON.stringify({ errors: [{ message }] }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })

/**
 * The kind of feed a path names (`/feeds/<file>`, `/feeds/sources/<file>`, ...) and its file; any
 * case, as Express routes match.
 */
const FEED_PATH = /^\/feeds\/(?:(sources|categories)\/)?([^/]+)\/?$/i

/** A path segment decoded as Express decodes route parameters: malformed escapes are a 400. */
const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch (err) {
    throw Object.assign(new URIError(`Failed to decode param '${segment}'`, { cause: err }), {
      status: 400,
    })
  }
}

/** Renders the feed a request names, as a WHATWG `Response`; undefined for any other request. */
export type FeedRenderer = (req: Request) => Promise<Response | undefined>

/**
 * RSS 2.0 and Atom feeds of published and due posts, read through the Local API with
 * `overrideAccess: false` and no user, so exactly what an anonymous reader may see:
 * `/feeds/posts.xml`, `/feeds/sources/:slug.xml`, `/feeds/categories/:slug.xml`, each also as
 * `.atom`. Items carry the full `contentHtml` followed by the source's credit line. The delivery
 * cache renders them through this (and keeps them); `feedsRouter` serves the requests it leaves.
 */
export const feedRenderer = (payload: Payload, options: FeedsOptions = {}): FeedRenderer => {
  const limit = options.items ?? settings().feedItems
  const title = options.title ?? settings().feedTitle
  const configured =
    (options.siteUrl ?? (settings().publicSiteUrl || payload.config.serverURL)) || ''
  const siteUrlOf = (req: Request) =>
    (configured || `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '')

  const listPosts = async (where: Where | undefined): Promise<FeedPost[]> => {
    const { docs } = await payload.find({
      collection: POSTS,
      where,
      sort: '-publishedAt',
      limit,
      depth: 1,
      overrideAccess: false,
      select: FEED_SELECT,
    })
    return docs as FeedPost[]
  }

  /** The one row of `collection` with `slug`, as an anonymous reader may see it. */
  const bySlug = async <T extends typeof SOURCES | typeof CATEGORIES>(
    collection: T,
    slug: string,
  ) =>
    (
      await payload.find({
        collection,
        where: { slug: { equals: slug } },
        limit: 1,
        depth: 0,
        overrideAccess: false,
      })
    ).docs[0]

  const feedResponse = (req: Request, format: Format, channel: Channel, posts: FeedPost[]) => {
    const body = renderFeed(format, channel, posts, siteUrlOf(req))
    const lastModified = posts.reduce(
      (max, p) => Math.max(max, Date.parse(p.updatedAt ?? '') || 0),
      0,
    )
    const headers = new Headers({ 'content-type': CONTENT_TYPES[format] })
    if (lastModified > 0) headers.set('last-modified', new Date(lastModified).toUTCString())
    // No ETag here: the delivery cache owns ETags and 304s.
    return new Response(body, { status: 200, headers })
  }

  return async (req) => {
    const path = req.baseUrl + req.path
    const match = FEED_PATH.exec(path)
    if (!match?.[2] || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined
    const file = parseFile(decodeSegment(match[2]))
    const kind = match[1]?.toLowerCase()
    if (!kind) {
      if (!file || file.name !== 'posts') return notFound('No such feed')
      return feedResponse(req, file.format, { title, path }, await listPosts(undefined))
    }
    if (!file) return notFound('No such feed')
    if (kind === 'sources') {
      const source = await bySlug(SOURCES, file.name)
      if (!source) return notFound(`No source with the slug "${file.name}"`)
      const channel = {
        title: source.name,
        description: source.attribution ?? undefined,
        copyright: source.attribution ?? undefined,
        path,
      }
      return feedResponse(
        req,
        file.format,
        channel,
        await listPosts({ source: { equals: source.id } }),
      )
    }
    const category = await bySlug(CATEGORIES, file.name)
    if (!category) return notFound(`No category with the slug "${file.name}"`)
    const channel = { title: category.name, description: category.description ?? undefined, path }
    const posts = await listPosts({ categories: { in: [category.id] } })
    return feedResponse(req, file.format, channel, posts)
  }
}

/**
 * Serves the feeds to the requests the delivery cache leaves to the chain (a reader signed in):
 * rendered the same way, sent as they are.
 */
export const feedsRouter = (render: FeedRenderer): RequestHandler => {
  return (req, res, next) => {
    render(req).then(async (response) => {
      if (!response) return next()
      res.status(response.status)
      response.headers.forEach((value, name) => res.setHeader(name, value))
      res.end(Buffer.from(await response.arrayBuffer()))
    }, next)
  }
}
