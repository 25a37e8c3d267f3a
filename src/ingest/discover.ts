import { parseDocument } from 'htmlparser2'
import { findAll, getAttributeValue } from 'domutils'
import { APIError, type Endpoint } from 'payload'

import { isEditorUser } from '../access/roles'
import { settings } from '../config'
import { SOURCES } from '../lib/slugs'
import { FetchError, fetchUrl } from './client'
import { decodePageBytes } from '../feeds/decode'

/** The feed types a page announces with `<link rel="alternate" type="...">`. */
const FEED_TYPES = ['application/rss+xml', 'application/atom+xml', 'application/feed+json'] as const

export type FeedCandidate = {
  /** Absolute http(s) URL of the feed. */
  url: string
  type: (typeof FEED_TYPES)[number]
  /** The link's `title`, when the page gives one. */
  title?: string
}

/**
 * The feeds a home page announces: `<link rel="alternate" type="application/rss+xml|atom+xml|
 * feed+json" href>` (the RSS autodiscovery convention), resolved against the page's `<base href>`
 * and its own address, http(s) only, each URL once, in page order.
 */
export const discoverFeeds = (html: string, pageUrl: string): FeedCandidate[] => {
  const doc = parseDocument(html)
  const baseHref = findAll((el) => el.name === 'base', doc.children)
    .map((el) => getAttributeValue(el, 'href'))
    .find(Boolean)
  let base = pageUrl
  try {
    if (baseHref) base = new URL(baseHref, pageUrl).href
  } catch {
    // An unusable <base href> is ignored, as browsers do: links resolve against the page.
    base = pageUrl
  }
  const seen = new Set<string>()
  const found: FeedCandidate[] = []
  for (const link of findAll((el) => el.name === 'link', doc.children)) {
    const rel = (getAttributeValue(link, 'rel') ?? '').toLowerCase().split(/\s+/)
    const type = (getAttributeValue(link, 'type') ?? '').trim().toLowerCase().split(';')[0]
    const href = getAttributeValue(link, 'href')?.trim()
    if (!rel.includes('alternate') || !href) continue
    const feedType = FEED_TYPES.find((t) => t === type)
    if (!feedType) continue
    let url: URL
    try {
      url = new URL(href, base)
    } catch {
      continue
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue
    if (seen.has(url.href)) continue
    seen.add(url.href)
    const title = getAttributeValue(link, 'title')?.trim()
    found.push({ url: url.href, type: feedType, ...(title ? { title } : {}) })
  }
  return found
}

/** A home page is read only this far: the `<link>` tags are in its head. */
const HOME_PAGE_MAX_BYTES = 2 * 1024 * 1024

/**
 * `POST /api/newsroom/sources/:id/discover-feeds` → `{ homepage, fetched, candidates }`: fetches the
 * source's home page through ingest's fetcher (public addresses only unless the source allows its
 * private network, redirects re-checked, the ingest's time limits, at most 2 MiB) and lists the
 * feeds it announces. Nothing is saved: the editor picks one in the source's form and saves it.
 * Editors and admins, as the source's ingest settings.
 */
export const discoverFeedsEndpoint: Endpoint = {
  path: '/newsroom/sources/:id/discover-feeds',
  method: 'post',
  handler: async (req) => {
    if (!req.user) throw new APIError('Sign in to discover feeds.', 401)
    if (!isEditorUser(req.user))
      throw new APIError('Only editors and admins may set a source’s feed.', 403)
    const id = req.routeParams?.id
    const source = await req.payload.findByID({
      collection: SOURCES,
      id: String(id),
      depth: 0,
      overrideAccess: false,
      user: req.user,
      req,
    })
    const homepage = source.homepage?.trim()
    if (!homepage) {
      throw new APIError(
        'This source has no homepage: set its homepage first.',
        400,
        undefined,
        true,
      )
    }
    try {
      const res = await fetchUrl(homepage, {
        accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
        maxBytes: Math.min(HOME_PAGE_MAX_BYTES, settings().ingestMaxBytes),
        allowPrivate: Boolean(source.ingest?.allowPrivateNetwork),
      })
      if (res.status !== 'ok') throw new FetchError('http', 'HTTP 304', { url: res.url })
      const { text } = decodePageBytes(res.body, res.contentType)
      return Response.json(
        { homepage, fetched: res.url, candidates: discoverFeeds(text, res.url) },
        { headers: { 'cache-control': 'no-store' } },
      )
    } catch (err) {
      if (!(err instanceof FetchError)) throw err
      throw new APIError(
        `Could not read the homepage ${homepage}: ${err.message} (${err.kind})`,
        502,
        undefined,
        true,
      )
    }
  },
}
