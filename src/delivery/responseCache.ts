import type { Response } from 'express'

import type { Coding } from './compression'

/** A response as the handler made it, kept to be sent again. */
export type CachedResponse = {
  status: number
  /** Headers about the content (not about one exchange: see PER_EXCHANGE), lower-case names. */
  headers: [string, string][]
  body: Buffer
  /** A public read: a CDN may keep it, and it gets an ETag. */
  shared: boolean
  etag: string
  /** The freshness epoch the response was made in: it is served only while that epoch lasts. */
  epoch: number | undefined
  expires: number
  /** The body compressed, made the first time a client accepts that coding. */
  encoded: Partial<Record<Coding, Buffer>>
}

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

export type Captured = Pick<CachedResponse, 'status' | 'headers' | 'body'>

const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : Buffer.from(chunk as Uint8Array)

/**
 * Lets the rest of the chain write its response into a buffer instead of the socket: when it ends,
 * `res` is given back its own `write`/`end` and `onEnd` gets what was made, to send it (from inside
 * the handler's `end`, so the exchange ends when the handler thinks it does). Resolves with what was
 * made, or undefined when the client went away first.
 */
export const captureResponse = (
  res: Response,
  onEnd: (captured: Captured) => void,
): Promise<Captured | undefined> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = []
    const write = res.write.bind(res)
    const end = res.end.bind(res)
    res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      if (chunk != null) chunks.push(toBuffer(chunk, encoding))
      const callback = typeof encoding === 'function' ? encoding : cb
      if (typeof callback === 'function') process.nextTick(callback as () => void)
      return true
    }) as Response['write']
    res.end = ((chunk?: unknown, encoding?: unknown) => {
      if (chunk != null && typeof chunk !== 'function') chunks.push(toBuffer(chunk, encoding))
      res.write = write
      res.end = end
      const headers: [string, string][] = []
      for (const [name, value] of Object.entries(res.getHeaders())) {
        if (value === undefined || PER_EXCHANGE.has(name)) continue
        headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)])
      }
      const captured = { status: res.statusCode, headers, body: Buffer.concat(chunks) }
      onEnd(captured)
      resolve(captured)
      return res
    }) as Response['end']
    res.on('close', () => resolve(undefined))
  })

export type ResponseStoreOptions = {
  /** @default 1000 */
  maxEntries?: number
  /** The most body bytes held; one response may take at most a quarter. @default 64 MiB */
  maxBytes?: number
}

/**
 * The responses kept, by key, bounded by count and by bytes: the oldest kept goes first. What may be
 * kept and for how long is the caller's business.
 */
export class ResponseStore {
  private readonly entries = new Map<string, CachedResponse>()
  private bytes = 0
  private readonly maxEntries: number
  private readonly maxBytes: number

  constructor(options: ResponseStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  }

  get(key: string): CachedResponse | undefined {
    return this.entries.get(key)
  }

  /** Keeps `entry` under `key`, unless its body is over a quarter of the budget. */
  put(key: string, entry: CachedResponse): void {
    if (entry.body.length > this.maxBytes / 4) return
    this.delete(key)
    // Map order is insertion order: the first key is the oldest entry.
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.maxEntries || this.bytes + entry.body.length > this.maxBytes)
    ) {
      this.delete(this.entries.keys().next().value as string)
    }
    this.entries.set(key, entry)
    this.bytes += entry.body.length
  }

  delete(key: string): void {
    const old = this.entries.get(key)
    if (!old) return
    this.bytes -= old.body.length
    this.entries.delete(key)
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes }
  }
}
