import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { createRequire } from 'node:module'
import zlib from 'node:zlib'

import ipaddr from 'ipaddr.js'
import { settings } from '../config'

/**
 * The ingest's HTTP client: one polite, bounded GET. Conditional (ETag / Last-Modified), a
 * User-Agent that names the CMS, a connect and a total timeout, a body limit counted while the
 * (decompressed) body streams in, redirects followed by hand with every hop checked again, and no
 * connection to a private, loopback or link-local address. The address is checked when the socket
 * connects (the resolved IP, so DNS rebinding gains nothing).
 *
 * A source an admin marked "on a private network" may fetch its own feed URL from a private address:
 * that host only (`allowPrivate`), never a redirect to another host, never article pages.
 */

const require = createRequire(import.meta.url)
const pkg: { version: string } = require('../../package.json')

export const USER_AGENT = `NewsroomCMS/${pkg.version} (feed ingest; +https://github.com/payloadcms/payload)`

export type FetchOptions = {
  /** Validators from the previous answer: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null
  lastModified?: string | null
  /** @default 'application/rss+xml, application/atom+xml, application/feed+json, ...' */
  accept?: string
  /** @default INGEST_CONNECT_TIMEOUT_MS || 5000 */
  connectTimeoutMs?: number
  /** The whole exchange, body included. @default INGEST_TIMEOUT_MS || 20000 */
  timeoutMs?: number
  /** Decompressed bytes. @default INGEST_MAX_BYTES || 5 MiB */
  maxBytes?: number
  /** @default 5 */
  maxRedirects?: number
  /**
   * The host of `rawUrl` (and redirects that stay on it) may be a private address: a source's own feed
   * on an internal network, set per source by an admin. Any other host is held to public addresses.
   * @default false
   */
  allowPrivate?: boolean
}

export type FetchResult =
  | {
      status: 'ok'
      /** The address that answered, after redirects. */
      url: string
      body: Buffer
      contentType?: string
      etag?: string
      lastModified?: string
    }
  | { status: 'not-modified'; url: string }

export type FetchErrorKind =
  'bad-url' | 'blocked' | 'timeout' | 'too-large' | 'too-many-redirects' | 'http' | 'network'

/** A failed fetch, with what the backoff needs (`retryAfterMs` from a 429/503 Retry-After). */
export class FetchError extends Error {
  constructor(
    readonly kind: FetchErrorKind,
    message: string,
    readonly details: { url: string; httpStatus?: number; retryAfterMs?: number } = { url: '' },
  ) {
    super(message)
    this.name = 'FetchError'
  }
}

const v4Of = (hi: number, lo: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff])

/**
 * Whether an IP address is one ingest may connect to: public unicast only. An IPv6 address that
 * embeds an IPv4 one (IPv4-mapped `::ffff:0:0/96`, SIIT `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) is judged by the IPv4 address it reaches; the deprecated IPv4-compatible form
 * (`::/96`, `[::127.0.0.1]`), local-use NAT64 (`64:ff9b:1::/48`) and Teredo are refused outright.
 */
export const isPublicAddress = (address: string): boolean => {
  if (!ipaddr.isValid(address)) return false
  // ipaddr.js reads the IPv4-compatible `::a.b.c.d` as IPv4-mapped; it is ::/96 all the same.
  if (/^::(?:\d{1,3}\.){3}\d{1,3}$/.test(address)) return false
  const ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv4') return ip.range() === 'unicast'
  const v6 = ip as ipaddr.IPv6
  const p = v6.parts
  if (p.slice(0, 6).every((x) => x === 0)) return false
  const range = v6.range()
  if (range === 'ipv4Mapped' || range === 'rfc6145') return v4Of(p[6], p[7]).range() === 'unicast'
  if (range === 'rfc6052')
    return (
      p[1] === 0xff9b &&
      p.slice(2, 6).every((x) => x === 0) &&
      v4Of(p[6], p[7]).range() === 'unicast'
    )
  if (range === '6to4') return v4Of(p[1], p[2]).range() === 'unicast'
  return range === 'unicast'
}

/** A DNS lookup that refuses to hand a non-public address to the socket. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const list = addresses as dns.LookupAddress[]
    const refused = list.find((a) => !isPublicAddress(a.address))
    if (refused) {
      const e = new FetchError(
        'blocked',
        `${hostname} resolves to ${refused.address}, a private/loopback/link-local address (an admin can allow a private network for a source's own feed URL)`,
      )
      return callback(e as NodeJS.ErrnoException, '', 0)
    }
    if (options.all) return callback(null, list as never)
    const first = list[0]
    if (!first) return callback(new Error(`${hostname} has no address`), '', 0)
    callback(null, first.address, first.family)
  })
}

const agents = {
  guarded: {
    http: new http.Agent({ keepAlive: true, lookup: guardedLookup }),
    https: new https.Agent({ keepAlive: true, lookup: guardedLookup }),
  },
  open: {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  },
}

/** Checks one hop before connecting: http(s) only; an IP literal must be public (no lookup runs for it). */
const checkUrl = (raw: string, allowPrivate: boolean): URL => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new FetchError('bad-url', `not a URL: "${raw.slice(0, 200)}"`, { url: raw })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FetchError('bad-url', `only http(s) URLs are fetched, not ${url.protocol}`, {
      url: raw,
    })
  if (url.username || url.password)
    throw new FetchError('bad-url', 'URLs with credentials are not fetched', { url: raw })
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate) {
    if (ipaddr.isValid(host) && !isPublicAddress(host))
      throw new FetchError(
        'blocked',
        `${host} is a private/loopback/link-local address (an admin can allow a private network for a source's own feed URL)`,
        { url: raw },
      )
    // A fully qualified name may end in a dot (`localhost.`): the same host to a resolver.
    if (/(^|\.)localhost\.*$/i.test(host))
      throw new FetchError('blocked', `${host} is a loopback name`, { url: raw })
  }
  return url
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export const parseRetryAfter = (
  value: string | undefined,
  now = Date.now(),
): number | undefined => {
  if (!value) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

type Hop = { status: number; headers: http.IncomingHttpHeaders; body?: Buffer }

/** Errors of requests sent on a reused keep-alive socket (see `fetchUrl`). */
const staleSockets = new WeakSet<FetchError>()

/** Decompresses a response body as its `Content-Encoding` says. */
const decoded = (res: http.IncomingMessage) => {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase()
  return encoding === 'gzip' || encoding === 'x-gzip'
    ? res.pipe(zlib.createGunzip())
    : encoding === 'deflate'
      ? res.pipe(zlib.createInflate())
      : encoding === 'br'
        ? res.pipe(zlib.createBrotliDecompress())
        : res
}

/** gzip's magic bytes (RFC 1952): a body that starts with them is a gzip file. */
const isGzip = (body: Buffer) => body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b

/**
 * A body served gzip-compressed without saying so (no `Content-Encoding`: a `feed.xml.gz` served as
 * a file), decompressed as feed readers do; past `maxBytes` decompressed, it is refused as a body
 * that size would be (decompression stops there: a zip bomb costs `maxBytes`, no more).
 */
const gunzipUndeclared = (body: Buffer, maxBytes: number, url: URL): Buffer => {
  try {
    return zlib.gunzipSync(body, { maxOutputLength: maxBytes })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new FetchError('too-large', `body is over the limit of ${maxBytes} bytes (gunzipped)`, {
        url: url.href,
      })
    throw new FetchError(
      'network',
      `the body is gzip-compressed (without Content-Encoding) and does not decompress: ${(err as Error).message}`,
      { url: url.href },
    )
  }
}

/** Reads a 200's body, decompressed, refusing it past `o.maxBytes` (declared or counted). */
const readBody = (
  res: http.IncomingMessage,
  url: URL,
  o: Required<FetchOptions>,
  signal: AbortSignal,
  resolve: (hop: Hop) => void,
  reject: (err: unknown) => void,
) => {
  const status = res.statusCode ?? 0
  const declared = Number(res.headers['content-length'])
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    res.destroy()
    const reason = `body of ${declared} bytes is over the limit of ${o.maxBytes}`
    return reject(new FetchError('too-large', reason, { url: url.href }))
  }
  const stream = decoded(res)
  const chunks: Buffer[] = []
  let size = 0
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > o.maxBytes) {
      res.destroy()
      stream.destroy()
      reject(
        new FetchError('too-large', `body is over the limit of ${o.maxBytes} bytes`, {
          url: url.href,
        }),
      )
      return
    }
    chunks.push(chunk)
  })
  stream.on('error', (err) =>
    reject(
      err instanceof FetchError
        ? err
        : signal.aborted
          ? new FetchError('timeout', `no complete answer within ${o.timeoutMs} ms`, {
              url: url.href,
            })
          : new FetchError('network', `reading the body: ${err.message}`, { url: url.href }),
    ),
  )
  stream.on('end', () => {
    let body: Buffer = Buffer.concat(chunks)
    try {
      if (stream === res && isGzip(body)) body = gunzipUndeclared(body, o.maxBytes, url)
    } catch (err) {
      return reject(err)
    }
    resolve({ status, headers: res.headers, body })
  })
}

/** The request's failure as a FetchError (a stale keep-alive socket's marked worth one retry). */
const requestError = (
  err: unknown,
  req: http.ClientRequest,
  url: URL,
  o: Required<FetchOptions>,
  signal: AbortSignal,
): FetchError => {
  if (err instanceof FetchError) return err
  const cause = (err as { cause?: unknown }).cause
  if (cause instanceof FetchError) return cause
  if ((err as { name?: string }).name === 'AbortError')
    return new FetchError('timeout', `no complete answer within ${o.timeoutMs} ms`, {
      url: url.href,
    })
  const e = new FetchError('network', `${(err as Error).message}`, { url: url.href })
  // A keep-alive socket the server closed while idle fails on first use: worth one retry.
  if (req.reusedSocket && !signal.aborted) staleSockets.add(e)
  return e
}

const oneHop = (
  url: URL,
  headers: Record<string, string>,
  o: Required<FetchOptions>,
  signal: AbortSignal,
  allowPrivate: boolean,
) =>
  new Promise<Hop>((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http
    const pool = allowPrivate ? agents.open : agents.guarded
    const req = lib.request(url, {
      method: 'GET',
      headers,
      agent: url.protocol === 'https:' ? pool.https : pool.http,
      signal,
    })
    const fail = (err: unknown) => {
      req.destroy()
      reject(err)
    }
    const connectTimer = setTimeout(
      () =>
        fail(
          new FetchError('timeout', `no connection within ${o.connectTimeoutMs} ms`, {
            url: url.href,
          }),
        ),
      o.connectTimeoutMs,
    )
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected.
      if (!socket.connecting) clearTimeout(connectTimer)
      else socket.once('connect', () => clearTimeout(connectTimer))
    })
    req.on('error', (err) => {
      clearTimeout(connectTimer)
      reject(requestError(err, req, url, o, signal))
    })
    req.on('response', (res) => {
      clearTimeout(connectTimer)
      const status = res.statusCode ?? 0
      if (status !== 200) {
        res.resume()
        return resolve({ status, headers: res.headers })
      }
      readBody(res, url, o, signal, resolve, reject)
    })
    req.end()
  })

const header = (h: http.IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5'

/**
 * GETs `rawUrl`. Resolves with the body (200) or `not-modified` (304); every other outcome is a
 * `FetchError` saying what went wrong.
 */
export const fetchUrl = async (
  rawUrl: string,
  options: FetchOptions = {},
): Promise<FetchResult> => {
  const o: Required<FetchOptions> = {
    etag: options.etag ?? null,
    lastModified: options.lastModified ?? null,
    accept: options.accept ?? FEED_ACCEPT,
    connectTimeoutMs: options.connectTimeoutMs ?? settings().ingestConnectTimeoutMs,
    timeoutMs: options.timeoutMs ?? settings().ingestTimeoutMs,
    maxBytes: options.maxBytes ?? settings().ingestMaxBytes,
    maxRedirects: options.maxRedirects ?? 5,
    allowPrivate: options.allowPrivate ?? false,
  }
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: o.accept,
    'accept-encoding': 'gzip, deflate, br',
  }
  if (o.etag) headers['if-none-match'] = o.etag
  if (o.lastModified) headers['if-modified-since'] = o.lastModified

  const signal = AbortSignal.timeout(o.timeoutMs)
  let url = checkUrl(rawUrl, o.allowPrivate)
  // The private network is allowed for the host the source names, not for wherever it redirects.
  const privateHost = o.allowPrivate ? url.hostname : undefined
  for (let hop = 0; ; hop++) {
    const allowPrivate = url.hostname === privateHost
    const res = await oneHop(url, headers, o, signal, allowPrivate).catch((err: unknown) => {
      if (err instanceof FetchError && staleSockets.has(err))
        return oneHop(url, headers, o, signal, allowPrivate)
      throw err
    })
    if (res.status === 304) return { status: 'not-modified', url: url.href }
    if (res.status === 200)
      return {
        status: 'ok',
        url: url.href,
        body: res.body ?? Buffer.alloc(0),
        contentType: header(res.headers, 'content-type'),
        etag: header(res.headers, 'etag'),
        lastModified: header(res.headers, 'last-modified'),
      }
    const location = header(res.headers, 'location')
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      if (hop >= o.maxRedirects)
        throw new FetchError('too-many-redirects', `more than ${o.maxRedirects} redirects`, {
          url: url.href,
          httpStatus: res.status,
        })
      const next = new URL(location, url)
      url = checkUrl(next.href, next.hostname === privateHost)
      continue
    }
    throw new FetchError('http', `HTTP ${res.status}`, {
      url: url.href,
      httpStatus: res.status,
      retryAfterMs:
        res.status === 429 || res.status === 503
          ? parseRetryAfter(header(res.headers, 'retry-after'))
          : undefined,
    })
  }
}

/**
 * Runs `fn` over `items` with at most `limit` at a time; results in input order. Every rejection is
 * caught by the caller's `fn` (the ingest never lets one source stop the others).
 */
export const mapLimit = async <T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}
