import { brotliDecompressSync, gunzipSync } from 'node:zlib'

import { describe, expect, it } from '@jest/globals'

import { codingFor, compress, MIN_COMPRESSED_BYTES } from '../../src/delivery/compression'
import { isNotModified, weakEtag } from '../../src/delivery/conditional'
import { ResponseStore, toBuffered, type CachedResponse } from '../../src/delivery/responseCache'

// The three parts of the delivery cache, each on its own (test/delivery/httpCache.test.ts has them
// together in the middleware).

describe('compression', () => {
  const json = { length: 4096, contentType: 'application/json; charset=utf-8' }

  it('prefers Brotli, then gzip, among the codings the client accepts', () => {
    expect(codingFor('gzip, deflate, br', json)).toBe('br')
    expect(codingFor('gzip;q=0.5, br;q=0.1', json)).toBe('br')
    expect(codingFor('gzip, br;q=0', json)).toBe('gzip')
    expect(codingFor('*', json)).toBe('br')
    expect(codingFor('*;q=0, gzip', json)).toBe('gzip')
  })

  it('sends as it is what the client refuses, does not say, or is not worth compressing', () => {
    expect(codingFor(undefined, json)).toBeUndefined()
    expect(codingFor('identity', json)).toBeUndefined()
    expect(codingFor('br;q=0, gzip;q=0', json)).toBeUndefined()
    expect(codingFor('br', { ...json, length: MIN_COMPRESSED_BYTES - 1 })).toBeUndefined()
    expect(codingFor('br', { ...json, contentType: 'image/jpeg' })).toBeUndefined()
    expect(codingFor('br', { ...json, contentEncoding: 'gzip' })).toBeUndefined()
    expect(codingFor('br', { ...json, contentType: 'application/rss+xml' })).toBe('br')
  })

  it('compresses to bytes that decompress to the body', () => {
    const body = Buffer.from('新闻 news '.repeat(500))
    expect(brotliDecompressSync(compress(body, 'br')).equals(body)).toBe(true)
    expect(gunzipSync(compress(body, 'gzip')).equals(body)).toBe(true)
  })
})

describe('conditional requests', () => {
  const body = Buffer.from('{"docs":[]}')
  const etag = weakEtag(body)

  it('gives equal bodies the same weak ETag, and different bodies different ones', () => {
    expect(weakEtag(Buffer.from('{"docs":[]}'))).toBe(etag)
    expect(weakEtag(Buffer.from('{"docs":[1]}'))).not.toBe(etag)
    expect(etag).toMatch(/^W\/"/)
  })

  it('answers 304 to If-None-Match by weak comparison, in a list, or *', () => {
    expect(isNotModified({ ifNoneMatch: etag }, { etag })).toBe(true)
    expect(isNotModified({ ifNoneMatch: etag.replace(/^W\//, '') }, { etag })).toBe(true)
    expect(isNotModified({ ifNoneMatch: `W/"other", ${etag}` }, { etag })).toBe(true)
    expect(isNotModified({ ifNoneMatch: '*' }, { etag })).toBe(true)
    expect(isNotModified({ ifNoneMatch: 'W/"other"' }, { etag })).toBe(false)
  })

  it('answers 304 to If-Modified-Since only without If-None-Match, and only when not modified since', () => {
    const lastModified = 'Mon, 30 Nov 2026 01:00:00 GMT'
    expect(isNotModified({ ifModifiedSince: lastModified }, { etag, lastModified })).toBe(true)
    expect(
      isNotModified({ ifModifiedSince: 'Mon, 30 Nov 2026 00:59:59 GMT' }, { etag, lastModified }),
    ).toBe(false)
    expect(
      isNotModified(
        { ifNoneMatch: 'W/"other"', ifModifiedSince: lastModified },
        { etag, lastModified },
      ),
    ).toBe(false)
    expect(isNotModified({ ifModifiedSince: 'not a date' }, { etag, lastModified })).toBe(false)
    expect(isNotModified({ ifModifiedSince: lastModified }, { etag })).toBe(false)
  })
})

describe('the response store', () => {
  const entry = (bytes: number): CachedResponse => ({
    status: 200,
    headers: [],
    body: Buffer.alloc(bytes),
    shared: true,
    etag: 'W/"x"',
    epoch: 1,
    expires: 0,
    encoded: {},
  })

  it('drops the oldest response past its count or its bytes', () => {
    const store = new ResponseStore({ maxEntries: 2, maxBytes: 1000 })
    store.put('a', entry(100))
    store.put('b', entry(100))
    store.put('c', entry(100))
    expect([store.get('a'), Boolean(store.get('b')), Boolean(store.get('c'))]).toEqual([
      undefined,
      true,
      true,
    ])
    const bytes = new ResponseStore({ maxEntries: 10, maxBytes: 1000 })
    for (const key of ['a', 'b', 'c', 'd']) bytes.put(key, entry(240))
    bytes.put('e', entry(240))
    expect(bytes.get('a')).toBeUndefined()
    expect(bytes.size).toEqual({ entries: 4, bytes: 960 })
  })

  it('keeps no response over a quarter of its bytes, and counts a replaced one once', () => {
    const store = new ResponseStore({ maxEntries: 10, maxBytes: 1000 })
    store.put('big', entry(251))
    expect(store.get('big')).toBeUndefined()
    store.put('a', entry(100))
    store.put('a', entry(200))
    expect(store.size).toEqual({ entries: 1, bytes: 200 })
  })
})

describe('reading a rendered response into a buffer', () => {
  it('gets what the handler streamed, in chunks, with its content headers and its cookies apart', async () => {
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ['新闻 ', 'news ', 'aa!']) controller.enqueue(encoder.encode(part))
        controller.close()
      },
    })
    const headers = new Headers({ 'content-type': 'text/plain; charset=utf-8', 'x-kept': 'yes' })
    headers.append('set-cookie', 'a=b')
    headers.append('set-cookie', 'c=d')
    headers.set('content-length', '999')
    const made = await toBuffered(new Response(body, { status: 201, headers }))
    expect(made.status).toBe(201)
    expect(made.body.toString()).toBe('新闻 news aa!')
    const names = made.headers.map(([name]) => name)
    expect(names).toEqual(expect.arrayContaining(['content-type', 'x-kept']))
    expect(names).not.toContain('set-cookie')
    expect(names).not.toContain('content-length')
    expect(made.cookies).toEqual(['a=b', 'c=d'])
  })
})
