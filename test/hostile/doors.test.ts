import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import express from 'express'
import type { Payload } from 'payload'

import { anonymousRateLimit } from '../../src/delivery/rateLimit'
import { guardProcess } from '../../src/lib/processGuards'
import { trustProxyFromEnv } from '../../src/http/trustProxy'
import type { RunningServer } from '../../src/server'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'
import { awayFromWindowEnd } from '../helpers/timing'

/**
 * Issue 11, the doors around reading: the rate limit behind a proxy, sign-in throttling, CSRF for
 * cookie sessions, upload size and readiness, on the real server with one proxy hop trusted (so each
 * test plays its own client address with `X-Forwarded-For`).
 */

let server: RunningServer
let writerEmail: string
const PASSWORD = 'correct horse battery staple'
let readyBeforeMarked: { ready: number; health: number }

beforeAll(async () => {
  process.env.TRUST_PROXY = '1'
  process.env.UPLOAD_MAX_BYTES = '200000'
  server = await startTestServer({ jobs: false, ready: false })
  readyBeforeMarked = {
    ready: (await fetch(`${server.url}/readyz`)).status,
    health: (await fetch(`${server.url}/healthz`)).status,
  }
  server.markReady()
  writerEmail = (await createUser(server.payload, 'writer')).email
})

afterAll(async () => {
  await server?.close()
  delete process.env.TRUST_PROXY
  delete process.env.UPLOAD_MAX_BYTES
})

let nextAddress = 1
/** A client address of its own for each caller (the trusted proxy's X-Forwarded-For). */
const newClient = () => `198.51.100.${nextAddress++}`

const signIn = (client: string, email: string, password: string) =>
  fetch(`${server.url}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify({ email, password }),
  })

describe('readiness', () => {
  it('answers /readyz 503 until start-up work is done, while /healthz already answers 200', async () => {
    expect(readyBeforeMarked).toEqual({ ready: 503, health: 200 })
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ok: true, ready: true })
  })
})

describe('the rate limit behind a proxy', () => {
  it('reads a hop count or proxy addresses from TRUST_PROXY and refuses "true"', () => {
    expect(trustProxyFromEnv('')).toBe(false)
    expect(trustProxyFromEnv('2')).toBe(2)
    expect(trustProxyFromEnv('10.0.0.0/8, loopback')).toEqual(['10.0.0.0/8', 'loopback'])
    expect(() => trustProxyFromEnv('true')).toThrow(/TRUST_PROXY=1/)
    expect(() => trustProxyFromEnv('10.0.0.300')).toThrow(/TRUST_PROXY="10.0.0.300"/)
  })

  /** The anonymous rate limit (3 a minute) on an app that trusts one proxy, as TRUST_PROXY=1 sets. */
  const limitedApp = async () => {
    const app = express()
    app.set('trust proxy', trustProxyFromEnv('1'))
    app.use(anonymousRateLimit(server.payload, { perMinute: 3 }))
    app.get('/', (_req, res) => void res.json({ ok: true }))
    const listening = app.listen(0, '127.0.0.1')
    await once(listening, 'listening')
    const { port } = listening.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, close: () => listening.close() }
  }

  it('limits a client that puts a new address of its choosing in front of the real one', async () => {
    await awayFromWindowEnd(60_000, 10_000)
    const app = await limitedApp()
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const res = await fetch(app.url, {
          headers: { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.200` },
        })
        statuses.push(res.status)
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429])
    } finally {
      app.close()
    }
  })

  it('never exempts a forwarded loopback address', async () => {
    await awayFromWindowEnd(60_000, 10_000)
    const app = await limitedApp()
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const res = await fetch(app.url, { headers: { 'x-forwarded-for': '127.0.0.1' } })
        statuses.push(res.status)
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      // A direct connection from this machine still is.
      for (let i = 0; i < 4; i++) expect((await fetch(app.url)).status).toBe(200)
    } finally {
      app.close()
    }
  })
})

describe('signing in', () => {
  it('does not lock the owner out after wrong passwords from someone else', async () => {
    const attacker = newClient()
    for (let i = 0; i < 5; i++) {
      expect((await signIn(attacker, writerEmail, `wrong ${i}`)).status).toBe(401)
    }
    const owner = await signIn(newClient(), writerEmail, PASSWORD)
    expect(owner.status).toBe(200)
  })

  it('says the same for an unknown account and a wrong password', async () => {
    const client = newClient()
    const unknown = await signIn(client, 'nobody-here@example.test', 'whatever')
    const wrong = await signIn(client, writerEmail, 'whatever')
    expect(unknown.status).toBe(wrong.status)
    expect(await unknown.json()).toEqual(await wrong.json())
  })

  it('slows down guessing at one account with 429 and Retry-After, whether it exists or not', async () => {
    const owner = (await createUser(server.payload, 'writer')).email
    const seen: Record<string, { status: number; retryAfter: string | null; message: string }> = {}
    for (const email of [owner, 'ghost-account@example.test']) {
      for (let i = 0; i < 6; i++) await signIn(newClient(), email, `guess ${i}`)
      const res = await signIn(newClient(), email, 'one more guess')
      const body = (await res.json()) as { errors: { message: string }[] }
      seen[email] = {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        message: body.errors[0].message.replace(/\d+ s/, 'N s'),
      }
    }
    expect(seen[owner].status).toBe(429)
    expect(Number(seen[owner].retryAfter)).toBeGreaterThan(0)
    expect(seen['ghost-account@example.test']).toEqual({
      ...seen[owner],
      retryAfter: expect.any(String),
    })
  })

  it('stops one address guessing across many accounts with 429', async () => {
    const client = newClient()
    for (let i = 0; i < 20; i++) {
      expect((await signIn(client, `someone-${i}@example.test`, 'x')).status).toBe(401)
    }
    const res = await signIn(client, writerEmail, PASSWORD)
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another address is not affected.
    expect((await signIn(newClient(), writerEmail, PASSWORD)).status).toBe(200)
  })
})

describe('CSRF', () => {
  let cookie: string
  let bearer: string
  beforeAll(async () => {
    const editor = await createUser(server.payload, 'editor')
    const res = await signIn(newClient(), editor.email, PASSWORD)
    cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    expect(cookie).toMatch(/payload-token=/)
    bearer = await login(server.url, editor.email, PASSWORD)
  })

  const write = (method: string, headers: Record<string, string>, body?: BodyInit) =>
    fetch(`${server.url}/api/categories${method === 'POST' ? '' : '/1'}`, {
      method,
      headers: { 'x-forwarded-for': newClient(), ...headers },
      body,
    })

  it('refuses a cookie-authenticated write from another origin, JSON or multipart', async () => {
    const json = JSON.stringify({ name: 'csrf', slug: `csrf-${Date.now()}` })
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const res = await write(
        method,
        { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
        method === 'DELETE' ? undefined : json,
      )
      expect({ method, status: res.status }).toEqual({ method, status: 403 })
    }
    const form = new FormData()
    form.set('_payload', json)
    const multipart = await write('POST', { cookie, origin: 'https://evil.example' }, form)
    expect(multipart.status).toBe(403)
    const referer = await write(
      'POST',
      { cookie, referer: 'https://evil.example/page', 'content-type': 'application/json' },
      json,
    )
    expect(referer.status).toBe(403)
    const neither = await write('POST', { cookie, 'content-type': 'application/json' }, json)
    expect(neither.status).toBe(403)
    expect(
      (await server.payload.find({ collection: 'categories', where: { name: { equals: 'csrf' } } }))
        .totalDocs,
    ).toBe(0)
  })

  it('accepts a cookie-authenticated write from its own origin and a Bearer write from anywhere', async () => {
    const own = await write(
      'POST',
      { cookie, origin: server.url, 'content-type': 'application/json' },
      JSON.stringify({ name: 'own origin', slug: `own-${Date.now()}` }),
    )
    expect(own.status).toBe(201)
    const withBearer = await write(
      'POST',
      {
        authorization: bearer,
        origin: 'https://elsewhere.example',
        'content-type': 'application/json',
      },
      JSON.stringify({ name: 'api client', slug: `api-${Date.now()}` }),
    )
    expect(withBearer.status).toBe(201)
  })
})

describe('request bodies', () => {
  it('answers a signed-in form-encoded post with 415, not 500', async () => {
    const editor = await createUser(server.payload, 'editor')
    const authorization = await login(server.url, editor.email, PASSWORD)
    const res = await fetch(`${server.url}/api/posts`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': newClient(),
      },
      body: 'title=x&_status=draft',
    })
    expect(res.status).toBe(415)
    expect(await res.text()).toMatch(/application\/json/)
    // Payload reads only the exact `application/json`; any other spelling reached it unread.
    const oddSpelling = await fetch(`${server.url}/api/posts`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'Application/JSON',
        'x-forwarded-for': newClient(),
      },
      body: JSON.stringify({ title: 'x' }),
    })
    expect(oddSpelling.status).toBe(415)
  })
})

describe('the preview page', () => {
  it('may be framed only by the admin (same origin)', async () => {
    const editor = await createUser(server.payload, 'editor')
    const authorization = await login(server.url, editor.email, PASSWORD)
    const post = await server.payload.create({
      collection: 'posts',
      data: { title: 'Framed?', slug: `framed-${Date.now()}` },
      draft: true,
    })
    for (const headers of [{ authorization }, {}] as Record<string, string>[]) {
      const res = await fetch(`${server.url}/preview/posts/${post.id}`, { headers })
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'/)
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    }
  })
})

describe('uploads', () => {
  it('refuses an upload over UPLOAD_MAX_BYTES with 413', async () => {
    const form = new FormData()
    form.set('file', new Blob([new Uint8Array(300_000)], { type: 'image/png' }), 'big.png')
    const res = await fetch(`${server.url}/api/media`, {
      method: 'POST',
      headers: { 'x-forwarded-for': newClient() },
      body: form,
    })
    expect(res.status).toBe(413)
    expect(await res.text()).toMatch(/UPLOAD_MAX_BYTES/)
  })
})

describe('process-level errors', () => {
  it('logs an unhandled rejection and keeps serving; drains and exits 1 on an uncaught exception', () => {
    const before = {
      rejection: process.listeners('unhandledRejection'),
      exception: process.listeners('uncaughtException'),
    }
    const logger = { error: jest.fn(), fatal: jest.fn() }
    const shutdown = jest.fn()
    guardProcess({ logger } as unknown as Payload, shutdown)
    try {
      const onRejection = process.listeners('unhandledRejection').at(-1)!
      const onException = process.listeners('uncaughtException').at(-1)!
      const reason = new Error('a rejected check nobody awaited')
      onRejection(reason, Promise.resolve())
      expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: reason }))
      expect(shutdown).not.toHaveBeenCalled()
      onException(new Error('thrown from a callback'), 'uncaughtException')
      expect(logger.fatal).toHaveBeenCalled()
      expect(shutdown).toHaveBeenCalledWith('uncaught exception', 1)
    } finally {
      for (const listener of process.listeners('unhandledRejection')) {
        if (!before.rejection.includes(listener)) process.off('unhandledRejection', listener)
      }
      for (const listener of process.listeners('uncaughtException')) {
        if (!before.exception.includes(listener)) process.off('uncaughtException', listener)
      }
    }
  })
})
