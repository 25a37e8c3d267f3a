import { createHash } from 'node:crypto'

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { Kind, parse } from 'graphql'
import type { Payload } from 'payload'

import { hasCredentials } from './auth'
import { codingFor, compress } from './compression'
import { isNotModified, weakEtag } from './conditional'
import { writesInThisProcess, type Freshness } from './freshness'
import { ResponseStore, toBuffered, type CachedResponse } from './responseCache'
import { settings } from '../config'

export { weakEtag } from './conditional'

export type HttpCacheOptions = {
  /**
   * Renders the response to a request the cache answers (an anonymous public read, an anonymous
   * GraphQL query): Payload's REST or GraphQL handler, a feed. Undefined for a request it does not
   * answer, which then goes on down the chain uncached.
   */
  render: Render
  /**
   * Which GET paths (full path, without the query) are public reads: cacheable by a CDN and validated with an
   * ETag. Everything else under the mounted paths gets `no-store`.
   */
  isPublicRead: (path: string) => boolean
  /**
   * The GraphQL endpoint: anonymous queries (never mutations) POSTed to it share the microcache,
   * keyed by their body. POST responses are not for CDNs, so they keep `no-store`.
   */
  graphQLPath?: string
  /**
   * Seconds a browser or CDN may reuse a public response.
   * @default settings().deliveryMaxAge (DELIVERY_MAX_AGE), 60
   */
  maxAge?: number
  /**
   * Seconds a CDN may keep serving a stale public response while it revalidates.
   * @default settings().deliveryStaleWhileRevalidate, 300
   */
  staleWhileRevalidate?: number
  /**
   * What tells the microcache that content may have changed: a response is reused only while its
   * epoch lasts. The delivery plugin's watch (src/delivery/freshness.ts) follows every change readers
   * can see, made by any server, and every embargo ending.
   * @default writesInThisProcess(): nothing but `noteChange`
   */
  freshness?: Freshness
  /**
   * Seconds this process reuses an anonymous public response while nothing changed (one Payload
   * read per URL per interval however many readers ask; identical requests in flight share one
   * read). When it runs out with nothing changed, one request refreshes the response while
   * concurrent ones get the one it replaces. 0 turns the microcache off.
   * @default settings().deliveryMicrocacheSeconds ?? freshness.defaultSeconds
   */
  microcacheSeconds?: number
  /** @default 1000 */
  microcacheEntries?: number
  /** The most body bytes the microcache holds (a list of 20 at depth 1 is ~200 KB). @default 64 MiB */
  microcacheBytes?: number
  /** The clock, for tests. @default Date.now */
  now?: () => number
}

const header = (entry: CachedResponse, name: string) =>
  entry.headers.find(([key]) => key === name)?.[1]

/** Renders the response to `req` (a WHATWG `Response`); undefined when it is not this handler's. */
export type Render = (req: Request) => Promise<globalThis.Response | undefined>

/** Public responses vary with these request headers. */
const PUBLIC_VARY = 'Authorization, Cookie, Origin, Accept-Encoding'

/**
 * Sends `entry`: as a 304 when the client's copy is current, compressed when it accepts that.
 * `cookies` are the `Set-Cookie` values of the exchange that rendered it (a miss), never replayed.
 */
const send = (
  req: Request,
  res: Response,
  entry: CachedResponse,
  how: 'hit' | 'stale' | 'miss',
  publicControl: string,
  cookies: string[] = [],
) => {
  res.status(entry.status)
  for (const [name, value] of entry.headers) res.setHeader(name, value)
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.setHeader('x-delivery-cache', how)
  if (entry.status === 200 && entry.shared) {
    res.setHeader('ETag', entry.etag)
    res.setHeader('Cache-Control', publicControl)
    res.setHeader('Vary', PUBLIC_VARY)
    const conditional = {
      ifNoneMatch: req.headers['if-none-match'],
      ifModifiedSince: req.headers['if-modified-since'],
    }
    const current = { etag: entry.etag, lastModified: header(entry, 'last-modified') }
    if (isNotModified(conditional, current)) {
      res.removeHeader('content-type')
      res.status(304).end()
      return
    }
  } else {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Vary', 'Accept-Encoding')
  }
  // One weak ETag for every coding: the representations are the same content.
  const coding = codingFor(req.headers['accept-encoding'], {
    length: entry.body.length,
    contentType: header(entry, 'content-type'),
    contentEncoding: header(entry, 'content-encoding'),
  })
  const body = coding ? (entry.encoded[coding] ??= compress(entry.body, coding)) : entry.body
  if (coding) res.setHeader('Content-Encoding', coding)
  res.setHeader('Content-Length', String(body.length))
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** What one request asks of the cache. */
type Ask = { req: Request; res: Response; next: NextFunction; key: string; shared: boolean }

/** A response rendered afresh, or why there is none. */
type Made =
  | { kind: 'made'; entry: CachedResponse; cookies: string[] }
  | { kind: 'not-mine' }
  | { kind: 'failed'; err: unknown }

/**
 * The microcache: serves a kept response while its epoch lasts, else renders one (identical
 * requests in flight share one render) into a buffer, keeps it and sends it.
 */
const microcache = (options: HttpCacheOptions) => {
  const maxAge = options.maxAge ?? settings().deliveryMaxAge
  const swr = options.staleWhileRevalidate ?? settings().deliveryStaleWhileRevalidate
  const freshness = options.freshness ?? writesInThisProcess()
  const microcacheMs =
    (options.microcacheSeconds ??
      settings().deliveryMicrocacheSeconds ??
      freshness.defaultSeconds) * 1000
  const now = options.now ?? Date.now
  const publicControl = `public, max-age=${maxAge}, stale-while-revalidate=${swr}`
  const store = new ResponseStore({
    maxEntries: options.microcacheEntries,
    maxBytes: options.microcacheBytes,
  })
  const inFlight = new Map<string, Promise<Made>>()

  /** Renders the response into a buffer: nothing is sent yet. */
  const render = async (req: Request, epoch: number | undefined, shared: boolean) => {
    try {
      const response = await options.render(req)
      if (!response) return { kind: 'not-mine' } as const
      const { cookies, ...made } = await toBuffered(response)
      const entry: CachedResponse = {
        ...made,
        shared,
        etag: weakEtag(made.body),
        epoch,
        encoded: {},
        expires: now() + microcacheMs,
      }
      return { kind: 'made', entry, cookies } as const
    } catch (err) {
      return { kind: 'failed', err } as const
    }
  }

  /** Sends what was rendered; what this cache does not answer goes on down the chain. */
  const deliver = ({ req, res, next }: Ask, made: Made) => {
    if (made.kind === 'made') return send(req, res, made.entry, 'miss', publicControl, made.cookies)
    res.setHeader('Cache-Control', 'no-store')
    if (made.kind === 'failed') next(made.err)
    else next()
  }

  const renderAndSend = (ask: Ask, epoch: number | undefined) =>
    void render(ask.req, epoch, ask.shared).then((made) => deliver(ask, made))

  /** While another request renders `key`: its response, or a render of this request's own. */
  const follow = (ask: Ask, pending: Promise<Made>, epoch: number) =>
    void pending.then((made) => {
      if (made.kind === 'made' && isKeepable(made.entry)) {
        send(ask.req, ask.res, made.entry, 'hit', publicControl)
        return
      }
      // The shared render failed (or was not a 200): this request makes its own.
      renderAndSend(ask, epoch)
    })

  /** Serves from the microcache, or renders the response and keeps it. */
  const serve = (ask: Ask) => {
    const { req, res, key } = ask
    const epoch = freshness.epoch()
    const cached = store.get(key)
    if (cached && epoch !== undefined && cached.epoch === epoch && cached.expires > now()) {
      send(req, res, cached, 'hit', publicControl)
      return
    }
    // HEAD is answered from a cached GET but never fills the cache (its body is empty). While the
    // epoch is unknown (just after a change), every request reads afresh.
    if (microcacheMs <= 0 || req.method === 'HEAD' || epoch === undefined) {
      renderAndSend(ask, epoch)
      return
    }
    const pending = inFlight.get(key)
    // While one request refreshes an expired entry, the others get the entry it replaces, unless
    // content changed since it was made (then everyone waits for the fresh read).
    if (pending && cached && cached.epoch === epoch) {
      send(req, res, cached, 'stale', publicControl)
      return
    }
    if (pending) return follow(ask, pending, epoch)
    const leader = render(req, epoch, ask.shared).then((made) => {
      const { entry } = made.kind === 'made' ? made : { entry: undefined }
      if (entry && isKeepable(entry) && entry.epoch === freshness.epoch()) store.put(key, entry)
      return made
    })
    inFlight.set(key, leader)
    void leader.finally(() => inFlight.delete(key))
    void leader.then((made) => deliver(ask, made))
  }
  return { serve, keeps: microcacheMs > 0 }
}

/**
 * HTTP caching for what readers' apps fetch:
 * - a request with credentials (`Authorization` or the auth cookie): `Cache-Control: private,
 *   no-store`, never cached or served from a cache;
 * - an anonymous GET of a public read: `Cache-Control: public, max-age, stale-while-revalidate`, a
 *   weak `ETag` from the body, `304` when `If-None-Match` (or `If-Modified-Since` against a
 *   `Last-Modified` the handler set) matches; 200 responses kept in a short in-process microcache;
 * - anything else: `Cache-Control: no-store`.
 * Public responses carry `Vary: Authorization, Cookie, Origin, Accept-Encoding`. What goes through
 * here is sent Brotli- or gzip-compressed to clients that accept it (compressed once per response).
 *
 * The cache answers anonymous public reads (and anonymous GraphQL queries) itself: it renders the
 * response with `options.render` into a buffer, keeps it, then sends it. It never takes over
 * `res.write`/`res.end`. Every other request goes on down the chain.
 */
export const httpCache = (payload: Payload, options: HttpCacheOptions): RequestHandler => {
  const { serve, keeps } = microcache(options)

  return (req, res, next) => {
    if (hasCredentials(req, payload.config.cookiePrefix)) {
      res.setHeader('Cache-Control', 'private, no-store')
      next()
      return
    }
    const path = req.baseUrl + req.path
    // Host and Origin can change what is sent (absolute links in feeds, CORS headers).
    const vary = `${req.headers.host ?? ''}\n${req.headers.origin ?? ''}`
    if ((req.method === 'GET' || req.method === 'HEAD') && options.isPublicRead(path)) {
      serve({ req, res, next, key: `GET ${req.originalUrl}\n${vary}`, shared: true })
      return
    }
    res.setHeader('Cache-Control', 'no-store')
    if (req.method === 'POST' && path === options.graphQLPath && keeps) {
      readSmallBody(req).then((body) => {
        if (!body) return next()
        // The bridge to Payload's handler sends this buffer on (src/http/webBridge.ts).
        ;(req as Request & { body?: Buffer }).body = body
        if (!isGraphQLQuery(body)) return next()
        const digest = createHash('sha1').update(body).digest('base64url')
        serve({ req, res, next, key: `POST ${req.originalUrl}\n${digest}\n${vary}`, shared: false })
      }, next)
      return
    }
    next()
  }
}

/** A 200 without GraphQL errors (a transient failure must not be replayed). */
const isKeepable = (entry: CachedResponse): boolean =>
  entry.status === 200 && (entry.shared || !entry.body.includes('"errors":['))

/** The most bytes of a GraphQL request body that is read to be cached. */
const MAX_GRAPHQL_BODY = 64 * 1024

/**
 * Reads a request body whose declared length is small; `undefined` (and the stream left untouched)
 * when there is no length or it is too large.
 */
const readSmallBody = async (req: Request): Promise<Buffer | undefined> => {
  // Already read, within the body limit, by src/http/bodyLimit.ts.
  const read = (req as Request & { body?: unknown }).body
  if (Buffer.isBuffer(read)) return read.length <= MAX_GRAPHQL_BODY ? read : undefined
  const length = Number(req.headers['content-length'])
  if (!Number.isInteger(length) || length <= 0 || length > MAX_GRAPHQL_BODY) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Whether a GraphQL request body holds only queries (no mutation, no subscription). */
export const isGraphQLQuery = (body: Buffer): boolean => {
  let query: unknown
  try {
    query = (JSON.parse(body.toString('utf8')) as { query?: unknown }).query
  } catch {
    // Not JSON: Payload's handler answers it; nothing to cache.
    return false
  }
  if (typeof query !== 'string') return false
  try {
    return parse(query).definitions.every(
      (d) => d.kind !== Kind.OPERATION_DEFINITION || d.operation === 'query',
    )
  } catch {
    // A syntax error: Payload's handler reports it; nothing to cache.
    return false
  }
}
