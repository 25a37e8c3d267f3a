import { createServer, request as httpRequest, ServerResponse, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import type { Payload } from 'payload'

import { writesInThisProcess } from '../../src/delivery/freshness'
import { httpCache } from '../../src/delivery/httpCache'

// The middleware needs only the config's cookie prefix, and a freshness the test moves itself.
const payload = { config: { cookiePrefix: 'payload' } } as unknown as Payload
const freshness = writesInThisProcess()
let clock = 1_000_000
let version = 0
let reads = 0
// A gate the test can close to hold the next read open, to have requests arrive while it runs.
let gate: Promise<void> | undefined
let openGate: (() => void) | undefined
let held = false
let patched = false
let server: Server
let url: string

beforeAll(async () => {
  // What the cache renders: a long JSON body, and a counted read the test can hold open.
  const render = async (req: express.Request) => {
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
    if (req.path === '/items/long') return json({ text: '新闻 news '.repeat(600) })
    if (req.path === '/items/broken') throw new Error('the read failed')
    if (req.path !== '/items') return undefined
    reads++
    const waitFor = gate
    gate = undefined
    if (waitFor) {
      held = true
      await waitFor
    }
    return json({ version })
  }
  const app = express()
  // Records whether anything replaced the response's own write/end while the request ran.
  app.use((_req, res, next) => {
    res.on('finish', () => {
      patched ||= res.write !== ServerResponse.prototype.write
      patched ||= res.end !== ServerResponse.prototype.end
    })
    next()
  })
  app.use(
    httpCache(payload, {
      isPublicRead: (p) => p.startsWith('/items'),
      render,
      microcacheSeconds: 2,
      freshness,
      now: () => clock,
    }),
  )
  app.get('/items/elsewhere', (_req, res) => {
    res.type('text/plain').end('from down the chain')
  })
  app.use(((err, _req, res, _next) => {
    res.status(500).json({ errors: [{ message: (err as Error).message }] })
  }) as express.ErrorRequestHandler)
  server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const holdNextRead = () => {
  held = false
  gate = new Promise<void>((resolve) => (openGate = resolve))
}
const waitForHeldRead = async () => {
  while (!held) await new Promise((resolve) => setImmediate(resolve))
}

describe('the microcache', () => {
  it('answers repeats from memory, and after expiry serves the old entry while one request refreshes it', async () => {
    const first = await fetch(url)
    expect(first.headers.get('x-delivery-cache')).toBe('miss')
    expect((await fetch(url)).headers.get('x-delivery-cache')).toBe('hit')
    expect(reads).toBe(1)

    clock += 2_001
    version = 1
    holdNextRead()
    const refreshing = fetch(url)
    await waitForHeldRead()
    const meanwhile = await fetch(url)
    expect(meanwhile.headers.get('x-delivery-cache')).toBe('stale')
    expect(await meanwhile.json()).toEqual({ version: 0 })
    openGate!()
    const refreshed = await refreshing
    expect(refreshed.headers.get('x-delivery-cache')).toBe('miss')
    expect(await refreshed.json()).toEqual({ version: 1 })
    expect(reads).toBe(2)
  })

  it('never serves an entry older than a write this process made, not even while refreshing', async () => {
    version = 2
    freshness.noteChange()
    holdNextRead()
    const refreshing = fetch(url)
    await waitForHeldRead()
    const waiting = fetch(url)
    openGate!()
    expect(await (await refreshing).json()).toEqual({ version: 2 })
    const shared = await waiting
    expect(shared.headers.get('x-delivery-cache')).toBe('hit')
    expect(await shared.json()).toEqual({ version: 2 })
  })

  it('answers 304 to a matching If-None-Match even when fetch adds Cache-Control: no-cache', async () => {
    const { headers } = await fetch(url)
    const again = await fetch(url, {
      headers: { 'if-none-match': headers.get('etag')!, 'cache-control': 'no-cache' },
    })
    expect(again.status).toBe(304)
  })
})

describe('compression', () => {
  const long = () => `${url}/long`
  const raw = (path: string, acceptEncoding?: string) =>
    new Promise<{
      status: number
      headers: Record<string, string | string[] | undefined>
      body: Buffer
    }>((resolve, reject) => {
      const target = new URL(path)
      const req = httpRequest(
        target,
        { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          )
        },
      )
      req.on('error', reject)
      req.end()
    })

  it('sends Brotli or gzip to clients that accept it, the same content under the same ETag', async () => {
    const plain = await raw(long())
    expect(plain.headers['content-encoding']).toBeUndefined()
    const gzip = await raw(long(), 'gzip, deflate')
    const br = await raw(long(), 'gzip;q=0.5, br')
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(br.headers['content-encoding']).toBe('br')
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true)
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true)
    expect(br.body.length).toBeLessThan(plain.body.length / 4)
    expect(Number(gzip.headers['content-length'])).toBe(gzip.body.length)
    expect(gzip.headers.etag).toBe(plain.headers.etag)
    expect(String(gzip.headers.vary)).toMatch(/Accept-Encoding/)
  })

  it('sends as they are a refused coding and a short body', async () => {
    expect((await raw(long(), 'br;q=0, gzip;q=0')).headers['content-encoding']).toBeUndefined()
    expect((await raw(url, 'gzip')).headers['content-encoding']).toBeUndefined()
  })
})

describe('rendering to a buffer', () => {
  it('sends what it rendered without replacing the response write or end', async () => {
    patched = false
    const fresh = await fetch(`${url}/long?patched`)
    expect(fresh.headers.get('x-delivery-cache')).toBe('miss')
    await fresh.arrayBuffer()
    expect(patched).toBe(false)
  })

  it('leaves a request its renderer does not answer to the rest of the chain, uncached', async () => {
    const res = await fetch(`${url}/elsewhere`)
    expect(await res.text()).toBe('from down the chain')
    expect(res.headers.get('x-delivery-cache')).toBeNull()
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('hands a render that failed to the error handler, and keeps nothing of it', async () => {
    const res = await fetch(`${url}/broken`)
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ errors: [{ message: 'the read failed' }] })
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect((await fetch(`${url}/broken`)).status).toBe(500)
  })
})
