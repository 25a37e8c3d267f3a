import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'

import { createUser } from '../helpers/payload'
import { startTestServer } from '../helpers/server'
import { awayFromWindowEnd } from '../helpers/timing'
import { anonymousRateLimit, rateLimitFromEnv } from '../../src/delivery/rateLimit'
import type { RunningServer } from '../../src/server'

let server: RunningServer
let staffAuth: string

beforeAll(async () => {
  process.env.RATE_LIMIT_PER_MINUTE = '3'
  // The test's requests come from 127.0.0.1, which is exempt by default.
  process.env.RATE_LIMIT_EXEMPT_LOOPBACK = 'false'
  server = await startTestServer({ jobs: false })
  delete process.env.RATE_LIMIT_PER_MINUTE
  delete process.env.RATE_LIMIT_EXEMPT_LOOPBACK
  const editor = await createUser(server.payload, 'editor')
  // Logged in through the Local API, so that the login does not count against the limit.
  const { token } = await server.payload.login({
    collection: 'users',
    data: { email: editor.email, password: 'correct horse battery staple' },
  })
  staffAuth = `JWT ${token}`
})
afterAll(async () => {
  await server?.close()
})

describe('the anonymous rate limit', () => {
  it('answers 429 with Retry-After past the limit, for REST, GraphQL and feeds alike', async () => {
    // Per minute of the clock: this test and the third count in one window.
    await awayFromWindowEnd(60_000, 10_000)
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${server.url}/api/posts`)).status)
    expect(statuses).toEqual([200, 200, 200])
    for (const request of [
      () => fetch(`${server.url}/api/posts`),
      () => fetch(`${server.url}/feeds/posts.xml`),
      () =>
        fetch(`${server.url}/api/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ Posts { totalDocs } }' }),
        }),
    ]) {
      const res = await request()
      expect(res.status).toBe(429)
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(
        /at most 3 a minute/,
      )
    }
  })

  it('does not apply to signed-in staff', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/api/posts`, { headers: { authorization: staffAuth } })
      expect(res.status).toBe(200)
    }
  })

  it('still applies to a request with a forged token', async () => {
    const res = await fetch(`${server.url}/api/posts`, {
      headers: { authorization: 'JWT not-a-real-token' },
    })
    expect(res.status).toBe(429)
  })

  it('leaves clients on this machine alone unless told otherwise', async () => {
    const local = express()
    local.use(anonymousRateLimit(server.payload, { perMinute: 1 }))
    local.get('/', (_req, res) => {
      res.send('ok')
    })
    const app = createServer(local)
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`
    try {
      const statuses = [await fetch(url), await fetch(url), await fetch(url)].map((r) => r.status)
      expect(statuses).toEqual([200, 200, 200])
    } finally {
      await new Promise((resolve) => app.close(resolve))
    }
  })

  it('leaves the health check alone', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})

describe('the rate limit window', () => {
  let app: Server
  let url: string
  // Windows are minutes of the clock (so that every server counts the same window): start at one.
  let clock = 16_000 * 60_000
  beforeAll(async () => {
    const limited = express()
    limited.use(
      anonymousRateLimit(server.payload, { perMinute: 2, now: () => clock, exemptLoopback: false }),
    )
    limited.get('/', (_req, res) => {
      res.send('ok')
    })
    app = createServer(limited)
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`
  })
  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve))
  })

  it('opens again when the minute is over, and Retry-After counts down to it', async () => {
    expect((await fetch(url)).status).toBe(200)
    expect((await fetch(url)).status).toBe(200)
    clock += 45_000
    const refused = await fetch(url)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('15')
    clock += 15_000
    expect((await fetch(url)).status).toBe(200)
  })

  it('is off at 0, and a malformed setting is refused at start-up', () => {
    expect(rateLimitFromEnv('0')).toBe(0)
    expect(rateLimitFromEnv(undefined)).toBe(600)
    expect(() => rateLimitFromEnv('lots')).toThrow(/RATE_LIMIT_PER_MINUTE="lots"/)
  })
})
