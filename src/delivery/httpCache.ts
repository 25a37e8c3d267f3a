import { createHash } from 'node:crypto'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { Kind, parse } from 'graphql'
import type { Payload } from 'payload'

import { hasCredentials } from './auth'
import { writesInThisProcess, type Freshness } from './freshness'

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
   * @default Number(process.env.DELIVERY_MAX_AGE ?? 60)
   */
  maxAge?: number
  /**
   * Seconds a CDN may keep serving a stale public response while it revalidates.
   * @default Number(process.env.DELIVERY_STALE_WHILE_REVALIDATE ?? 300)
   */
  staleWhileRevalidate?: number
  /**
   * What tells the microcache that content may have changed: a response is reused only while its
   * epoch lasts. `watchContent` (src/delivery/freshness.ts) follows every write and embargo on SQLite.
   * @default writesInThisProcess(payload): this process's own writes only
   */
  freshness?: Freshness
  /**
   * Seconds this process reuses an anonymous public response while nothing changed (one Payload
   * read per URL per interval however many readers ask; identical requests in flight share one
   * read). When it runs out with nothing changed, one request refreshes the response while
   * concurrent ones get the one it replaces. 0 turns the microcache off.
   * @default Number(process.env.DELIVERY_MICROCACHE_SECONDS ?? freshness.defaultSeconds)
   */
  microcacheSeconds?: number
  /** @default 1000 */
  microcacheEntries?: number
  /** The most body bytes the microcache holds (a list of 20 at depth 1 is ~200 KB). @default 64 MiB */
  microcacheBytes?: number
  /** The clock, for tests. @default Date.now */
  now?: () => number
}

type Entry = {
  /** A public read: a CDN may keep it, and it gets an ETag. */
  shared: boolean
  status: number
  headers: [string, string][]
  body: Buffer
  etag: string
  /** The freshness epoch the response was made in: it is served only while that epoch lasts. */
  epoch: number | undefined
  expires: number
  /** The body compressed, made the first time a client accepts that coding. */
  encoded: Partial<Record<Coding, Buffer>>
}

type Coding = 'br' | 'gzip'

/** Bodies smaller than this are sent as they are: compressing them saves too little. */
const MIN_COMPRESSED_BYTES = 1024
const COMPRESSIBLE =
  /^(?:application\/(?:json|(?:rss|atom)\+xml|xml|graphql-response\+json)|text\/)/i

/**
 * The coding to send `entry` in: Brotli or gzip when the client accepts it (q > 0) and the body is
 * text worth compressing, Brotli first. None for a request that does not say.
 */
const codingFor = (req: Request, entry: Entry): Coding | undefined => {
  if (entry.body.length < MIN_COMPRESSED_BYTES) return undefined
  // Already encoded by the handler: sent as it came.
  if (entry.headers.some(([name]) => name === 'content-encoding')) return undefined
  const type = entry.headers.find(([name]) => name === 'content-type')?.[1] ?? ''
  if (!COMPRESSIBLE.test(type)) return undefined
  const accepted = new Map<string, number>()
  for (const part of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';')
    if (!token) continue
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean)
    accepted.set(token, q === undefined ? 1 : Number(q))
  }
  const ok = (coding: Coding) => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : undefined
}

/** The body in `coding`, compressed once per entry (Brotli at a fast level: it runs on a request). */
const encodedBody = (entry: Entry, coding: Coding): Buffer =>
  (entry.encoded[coding] ??=
    coding === 'br'
      ? brotliCompressSync(entry.body, {
          params: {
            [zlib.BROTLI_PARAM_QUALITY]: 5,
            [zlib.BROTLI_PARAM_SIZE_HINT]: entry.body.length,
          },
        })
      : gzipSync(entry.body, { level: 6 }))

/** Response headers that are about one exchange, not the content, and are never replayed. */
const PER_EXCHANGE = new Set([
  'set-cookie',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'etag',
  'cache-control',
  'vary',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-delivery-cache',
])

const numberFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name}="${raw}" is not a number of seconds >= 0.`)
  return n
}

/** A weak validator from the bytes of the body: equal bodies, equal ETags, across processes. */
export const weakEtag = (body: Buffer): string =>
  `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`

const opaque = (tag: string) => tag.trim().replace(/^W\//, '')

/**
 * Whether the client's copy is current: `If-None-Match` by weak comparison, else `If-Modified-Since`
 * against the `Last-Modified` the handler set. Unlike Express's `req.fresh`, a request's
 * `Cache-Control: no-cache` does not prevent a 304: that directive asks caches to revalidate with
 * the origin, which is what this is, and WHATWG fetch adds it to every request with a conditional
 * header.
 */
const notModified = (req: Request, entry: Entry): boolean => {
  const noneMatch = req.headers['if-none-match']
  if (noneMatch) {
    const ours = opaque(entry.etag)
    return noneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === ours)
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '')
  const modified = Date.parse(entry.headers.find(([name]) => name === 'last-modified')?.[1] ?? '')
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since
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
 */
export const httpCache = (payload: Payload, options: HttpCacheOptions): RequestHandler => {
  const maxAge = options.maxAge ?? numberFromEnv('DELIVERY_MAX_AGE', 60)
  const swr = options.staleWhileRevalidate ?? numberFromEnv('DELIVERY_STALE_WHILE_REVALIDATE', 300)
  const freshness = options.freshness ?? writesInThisProcess(payload)
  const microcacheMs =
    (options.microcacheSeconds ??
      numberFromEnv('DELIVERY_MICROCACHE_SECONDS', freshness.defaultSeconds)) * 1000
  const maxEntries = options.microcacheEntries ?? 1000
  const maxBytes = options.microcacheBytes ?? 64 * 1024 * 1024
  const now = options.now ?? Date.now
  const publicControl = `public, max-age=${maxAge}, stale-while-revalidate=${swr}`

  const entries = new Map<string, Entry>()
  const inFlight = new Map<string, Promise<Entry | undefined>>()
  let bytes = 0

  const forget = (key: string) => {
    const old = entries.get(key)
    if (!old) return
    bytes -= old.body.length
    entries.delete(key)
  }

  const remember = (key: string, entry: Entry) => {
    if (microcacheMs <= 0 || entry.status !== 200 || entry.body.length > maxBytes / 4) return
    forget(key)
    // Map order is insertion order: the first key is the oldest entry.
    while (
      entries.size > 0 &&
      (entries.size >= maxEntries || bytes + entry.body.length > maxBytes)
    ) {
      forget(entries.keys().next().value as string)
    }
    entries.set(key, entry)
    bytes += entry.body.length
  }

  const send = (req: Request, res: Response, entry: Entry, how: 'hit' | 'stale' | 'miss') => {
    res.status(entry.status)
    for (const [name, value] of entry.headers) res.setHeader(name, value)
    res.setHeader('x-delivery-cache', how)
    if (entry.status === 200 && entry.shared) {
      res.setHeader('ETag', entry.etag)
      res.setHeader('Cache-Control', publicControl)
      res.setHeader('Vary', 'Authorization, Cookie, Origin, Accept-Encoding')
      if (notModified(req, entry)) {
        res.removeHeader('content-type')
        res.status(304).end()
        return
      }
    } else {
      res.setHeader('Cache-Control', 'no-store')
      res.setHeader('Vary', 'Accept-Encoding')
    }
    // One weak ETag for every coding: the representations are the same content.
    const coding = codingFor(req, entry)
    const body = coding ? encodedBody(entry, coding) : entry.body
    if (coding) res.setHeader('Content-Encoding', coding)
    res.setHeader('Content-Length', String(body.length))
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  /** Lets the rest of the chain produce the response into a buffer, then sends it through `send`. */
  const capture = (
    req: Request,
    res: Response,
    epoch: number | undefined,
    shared: boolean,
  ): Promise<Entry | undefined> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = []
      const write = res.write.bind(res)
      const end = res.end.bind(res)
      const toBuffer = (chunk: unknown, encoding?: unknown) =>
        Buffer.isBuffer(chunk)
          ? chunk
          : typeof chunk === 'string'
            ? Buffer.from(
                chunk,
                typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
              )
            : Buffer.from(chunk as Uint8Array)
      res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
        if (chunk != null) chunks.push(toBuffer(chunk, encoding))
        const callback = typeof encoding === 'function' ? encoding : cb
        if (typeof callback === 'function') process.nextTick(callback as () => void)
        return true
      }) as Response['write']
      res.end = ((chunk?: unknown, encoding?: unknown, _cb?: unknown) => {
        if (chunk != null && typeof chunk !== 'function') chunks.push(toBuffer(chunk, encoding))
        res.write = write
        res.end = end
        const body = Buffer.concat(chunks)
        const headers: [string, string][] = []
        for (const [name, value] of Object.entries(res.getHeaders())) {
          if (value === undefined || PER_EXCHANGE.has(name)) continue
          headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)])
        }
        const entry: Entry = {
          shared,
          status: res.statusCode,
          headers,
          body,
          etag: weakEtag(body),
          epoch,
          encoded: {},
          expires: now() + microcacheMs,
        }
        send(req, res, entry, 'miss')
        resolve(entry)
        return res
      }) as Response['end']
      res.on('close', () => resolve(undefined))
    })

  /** Serves from the microcache, or lets the chain produce the response and keeps it. */
  const serve = (req: Request, res: Response, next: NextFunction, key: string, shared: boolean) => {
    const epoch = freshness.epoch()
    const cached = entries.get(key)
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
      if (entry && isKeepable(entry) && entry.epoch === freshness.epoch()) remember(key, entry)
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
const isKeepable = (entry: Entry): boolean =>
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
