import { createHash } from 'node:crypto'

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { Kind, parse } from 'graphql'
import type { Payload } from 'payload'

import { hasCredentials } from './auth'
import { codingFor, compress } from './compression'
import { isNotModified, weakEtag } from './conditional'
import { writesInThisProcess, type Freshness } from './freshness'
import { captureResponse, ResponseStore, type CachedResponse } from './responseCache'
import { settings } from '../config'

export { weakEtag } from './conditional'

export type HttpCacheOptions = {
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
 */
export const httpCache = (payload: Payload, options: HttpCacheOptions): RequestHandler => {
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
  const inFlight = new Map<string, Promise<CachedResponse | undefined>>()

  /** Sends `entry`: as a 304 when the client's copy is current, compressed when it accepts that. */
  const send = (
    req: Request,
    res: Response,
    entry: CachedResponse,
    how: 'hit' | 'stale' | 'miss',
  ) => {
    res.status(entry.status)
    for (const [name, value] of entry.headers) res.setHeader(name, value)
    res.setHeader('x-delivery-cache', how)
    if (entry.status === 200 && entry.shared) {
      res.setHeader('ETag', entry.etag)
      res.setHeader('Cache-Control', publicControl)
      res.setHeader('Vary', 'Authorization, Cookie, Origin, Accept-Encoding')
      const conditional = {
        ifNoneMatch: req.headers['if-none-match'],
        ifModifiedSince: req.headers['if-modified-since'],
      }
      if (
        isNotModified(conditional, {
          etag: entry.etag,
          lastModified: header(entry, 'last-modified'),
        })
      ) {
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

  /** Lets the rest of the chain make the response, then sends it and gives it back to keep. */
  const capture = (
    req: Request,
    res: Response,
    epoch: number | undefined,
    shared: boolean,
  ): Promise<CachedResponse | undefined> => {
    let entry: CachedResponse | undefined
    return captureResponse(res, (made) => {
      entry = {
        ...made,
        shared,
        etag: weakEtag(made.body),
        epoch,
        encoded: {},
        expires: now() + microcacheMs,
      }
      send(req, res, entry, 'miss')
    }).then((made) => (made ? entry : undefined))
  }

  /** Serves from the microcache, or lets the chain produce the response and keeps it. */
  const serve = (req: Request, res: Response, next: NextFunction, key: string, shared: boolean) => {
    const epoch = freshness.epoch()
    const cached = store.get(key)
    if (cached && epoch !== undefined && cached.epoch === epoch && cached.expires > now()) {
      send(req, res, cached, 'hit')
      return
    }
    // HEAD is answered from a cached GET but never fills the cache (its body is empty). While the
    // epoch is unknown (just after a change), every request reads afresh.
    if (microcacheMs <= 0 || req.method === 'HEAD' || epoch === undefined) {
      void capture(req, res, epoch, shared)
      next()
      return
    }
    const pending = inFlight.get(key)
    // While one request refreshes an expired entry, the others get the entry it replaces, unless
    // content changed since it was made (then everyone waits for the fresh read).
    if (pending && cached && cached.epoch === epoch) {
      send(req, res, cached, 'stale')
      return
    }
    if (pending) {
      pending.then((entry) => {
        if (entry && isKeepable(entry)) {
          send(req, res, entry, 'hit')
          return
        }
        // The shared read failed (or was not a 200): this request makes its own.
        void capture(req, res, epoch, shared)
        next()
      }, next)
      return
    }
    const leader = capture(req, res, epoch, shared).then((entry) => {
      if (entry && isKeepable(entry) && entry.epoch === freshness.epoch()) store.put(key, entry)
      return entry
    })
    inFlight.set(key, leader)
    void leader.finally(() => inFlight.delete(key))
    next()
  }

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
      serve(req, res, next, `GET ${req.originalUrl}\n${vary}`, true)
      return
    }
    res.setHeader('Cache-Control', 'no-store')
    if (req.method === 'POST' && path === options.graphQLPath && microcacheMs > 0) {
      readSmallBody(req).then((body) => {
        if (!body) return next()
        // The bridge to Payload's handler sends this buffer on (src/http/webBridge.ts).
        ;(req as Request & { body?: Buffer }).body = body
        if (!isGraphQLQuery(body)) return next()
        const digest = createHash('sha1').update(body).digest('base64url')
        serve(req, res, next, `POST ${req.originalUrl}\n${digest}\n${vary}`, false)
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
