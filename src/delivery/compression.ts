import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'

/** The codings the delivery layer sends, best first. */
export type Coding = 'br' | 'gzip'

/** Bodies smaller than this are sent as they are: compressing them saves too little. */
export const MIN_COMPRESSED_BYTES = 1024

const COMPRESSIBLE =
  /^(?:application\/(?:json|(?:rss|atom)\+xml|xml|graphql-response\+json)|text\/)/i

/**
 * The coding to send a body in: Brotli or gzip when the client accepts it (`Accept-Encoding`, q > 0;
 * `*` counts) and the body is text worth compressing, Brotli first. None for a request that does not
 * say, a short body, a binary type, or a body the handler already encoded.
 */
export const codingFor = (
  acceptEncoding: string | undefined,
  body: { length: number; contentType?: string; contentEncoding?: string },
): Coding | undefined => {
  if (body.length < MIN_COMPRESSED_BYTES || body.contentEncoding) return undefined
  if (!COMPRESSIBLE.test(body.contentType ?? '')) return undefined
  const accepted = new Map<string, number>()
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';')
    if (!token) continue
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean)
    accepted.set(token, q === undefined ? 1 : Number(q))
  }
  const ok = (coding: Coding) => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : undefined
}

/** `body` in `coding`: Brotli at a fast level (it runs on a request), gzip at 6. */
export const compress = (body: Buffer, coding: Coding): Buffer =>
  coding === 'br'
    ? brotliCompressSync(body, {
        params: {
          [zlib.BROTLI_PARAM_QUALITY]: 5,
          [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      })
    : gzipSync(body, { level: 6 })
