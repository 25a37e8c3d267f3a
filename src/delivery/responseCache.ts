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

export type Captured = Pick<CachedResponse, 'status' | 'headers' | 'body'> & {
  /** The response's `Set-Cookie` values: sent with this response only, never replayed. */
  cookies: string[]
}

/**
 * A response as the handler rendered it (a WHATWG `Response`, what Payload's REST and GraphQL
 * handlers return), read to the end into one buffer: its status, the headers about its content
 * (lower-case names, without the per-exchange ones) and its body. Nothing is sent: the caller keeps
 * it and sends it, as many times as it likes.
 */
export const toBuffered = async (response: globalThis.Response): Promise<Captured> => {
  const body = Buffer.from(await response.arrayBuffer())
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => {
    if (!PER_EXCHANGE.has(name)) headers.push([name, value])
  })
  return { status: response.status, headers, body, cookies: response.headers.getSetCookie() }
}

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
