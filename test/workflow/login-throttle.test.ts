import { randomBytes } from 'node:crypto'

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import type { Payload, PayloadRequest } from 'payload'

import { clientKey, kvCounterStore } from '../../src/auth/counterStore'
import { loginThrottle, type LoginThrottleOptions } from '../../collections/Users/loginThrottle'
import { RedisKVAdapter } from '../../src/auth/redisKv'
import { sharedKv } from '../../src/auth/sharedKv'
import { anonymousRateLimit } from '../../src/delivery/rateLimit'
import { CLIENT_ADDRESS_HEADER } from '../../src/lib/requestHeaders'
import type { RunningServer } from '../../src/server'
import { createUser } from '../helpers/payload'
import { startTestServer } from '../helpers/server'
import { awayFromWindowEnd } from '../helpers/timing'

/**
 * Issue 22 item 3: the sign-in throttle cannot be reset by a flood of addresses, counts IPv6 per /64,
 * costs the same for unknown accounts, and keeps its counts in the store every server shares (the
 * database by default, Redis with REDIS_URL).
 */
let server: RunningServer

beforeAll(async () => {
  process.env.TRUST_PROXY = '1'
  server = await startTestServer({ jobs: false })
})
afterAll(async () => {
  await server?.close()
  delete process.env.TRUST_PROXY
})

type Throttle = ReturnType<typeof loginThrottle>

/** One sign-in attempt as the hook sees it: the HTTP status it would end in (429, or 0 for "let through"). */
const attempt = async (
  throttle: Throttle,
  payload: Payload,
  address: string,
  email: string,
  password?: string,
): Promise<number> => {
  const req = {
    headers: new Headers({ [CLIENT_ADDRESS_HEADER]: address }),
    payload,
    context: {},
  } as unknown as PayloadRequest
  try {
    await throttle.beforeLogin({
      args: { data: { email, password } },
      operation: 'login',
      req,
      collection: payload.collections.users.config,
      context: {},
    } as never)
    return 0
  } catch (err) {
    return (err as { status?: number }).status ?? 500
  }
}

const uniqueEmail = () => `victim-${randomBytes(4).toString('hex')}@example.test`
/** A fresh address of 198.18.0.0/15 (benchmarking range) for each call. */
let nextHost = 1
const freshAddress = () => `198.18.${Math.floor(nextHost / 250)}.${(nextHost++ % 250) + 1}`

/** Five failures, then the account is slowed: the sixth goes through once, the seventh gets 429. */
const slowDown = async (throttle: Throttle, payload: Payload, email: string) => {
  for (let i = 0; i < 6; i++)
    expect(await attempt(throttle, payload, freshAddress(), email)).toBe(0)
  expect(await attempt(throttle, payload, freshAddress(), email)).toBe(429)
}

describe('the slow-down of an account', () => {
  it.each<[string, LoginThrottleOptions]>([
    ['in memory (bounded)', { store: 'memory', maxEntries: 50 }],
    // The store shared by every server has no eviction at all (maxEntries is for memory only).
    ['in the shared store', { maxEntries: 50 }],
  ])(
    'survives a flood of failures from new addresses (%s)',
    async (_where, options) => {
      const throttle = loginThrottle(options)
      const victim = uniqueEmail()
      await slowDown(throttle, server.payload, victim)
      // Far more addresses than the store keeps, each failing once at some junk account.
      for (let i = 0; i < 120; i++)
        await attempt(throttle, server.payload, freshAddress(), `junk-${i}@example.test`)
      expect(await attempt(throttle, server.payload, freshAddress(), victim)).toBe(429)
    },
    60_000,
  )
})

describe('addresses', () => {
  it('counts an IPv6 address as its /64, an IPv4-mapped one as IPv4', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:eeee:dddd:cccc'))
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'))
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7')
    expect(clientKey('198.51.100.7')).not.toBe(clientKey('198.51.100.8'))
  })

  it('stops a client that rotates addresses inside one IPv6 /64', async () => {
    const throttle = loginThrottle({ store: 'memory' })
    const host = () => `2001:db8:77:1:${randomBytes(2).toString('hex')}::${nextHost++}`
    for (let i = 0; i < 20; i++)
      expect(await attempt(throttle, server.payload, host(), uniqueEmail())).toBe(0)
    expect(await attempt(throttle, server.payload, host(), uniqueEmail())).toBe(429)
    // Another /64 is another client.
    expect(await attempt(throttle, server.payload, '2001:db8:77:2::1', uniqueEmail())).toBe(0)
  })
})

describe('the window boundary', () => {
  const windowMs = 15 * 60_000
  /** A clock at `offset` ms after the start of a fixed window. */
  const clockAt = (offset: number) => {
    let t = Math.floor(Date.now() / windowMs + 10) * windowMs + offset
    return { now: () => t, move: (ms: number) => (t += ms) }
  }

  it('failures just before a window ends still count just after it (an address)', async () => {
    const clock = clockAt(windowMs - 5_000)
    const throttle = loginThrottle({ store: 'memory', now: clock.now })
    const address = freshAddress()
    for (let i = 0; i < 20; i++)
      expect(await attempt(throttle, server.payload, address, uniqueEmail())).toBe(0)
    clock.move(10_000)
    expect(await attempt(throttle, server.payload, address, uniqueEmail())).toBe(429)
    // A whole window later the address may try again.
    clock.move(windowMs)
    expect(await attempt(throttle, server.payload, address, uniqueEmail())).toBe(0)
  })

  it('an account slowed down just before a window ends stays slowed just after it', async () => {
    const clock = clockAt(windowMs - 5_000)
    const throttle = loginThrottle({ store: 'memory', now: clock.now })
    const victim = uniqueEmail()
    await slowDown(throttle, server.payload, victim)
    clock.move(10_000)
    expect(await attempt(throttle, server.payload, freshAddress(), victim)).toBe(429)
  })
})

describe('timing does not name accounts', () => {
  it('hashes the password of a sign-in to an unknown account, and only then', async () => {
    const hashed: string[] = []
    const throttle = loginThrottle({
      store: 'memory',
      hashPassword: async (password) => hashed.push(password),
    })
    const known = await createUser(server.payload, 'writer')
    await attempt(throttle, server.payload, freshAddress(), 'nobody-at-all@example.test', 'guess-1')
    await attempt(throttle, server.payload, freshAddress(), known.email, 'guess-2')
    await attempt(throttle, server.payload, freshAddress(), known.email.toUpperCase(), 'guess-3')
    // Payload hashes for the known account itself; the throttle does it for the unknown one.
    expect(hashed).toEqual(['guess-1'])
  })

  it('a wrong password and an unknown account take about as long over HTTP', async () => {
    const signIn = async (email: string) => {
      const started = performance.now()
      const res = await fetch(`${server.url}/api/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress() },
        body: JSON.stringify({ email, password: 'not the password' }),
      })
      expect(res.status).toBe(401)
      return performance.now() - started
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i++) {
      const user = await createUser(server.payload, 'writer')
      known.push(await signIn(user.email))
      unknown.push(await signIn(uniqueEmail()))
    }
    process.stdout.write(
      `sign-in timing, median of 5: wrong password ${median(known).toFixed(0)} ms, unknown account ${median(unknown).toFixed(0)} ms\n`,
    )
    // Wide margins (a busy machine): before, an unknown account answered ~10x faster.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5)
  }, 120_000)
})

describe('counts every server sees', () => {
  it('on the database: two throttles (two servers) on one database count one account together', async () => {
    const a = loginThrottle()
    const b = loginThrottle()
    const victim = uniqueEmail()
    for (let i = 0; i < 6; i++)
      expect(await attempt(i % 2 ? a : b, server.payload, freshAddress(), victim)).toBe(0)
    expect(await attempt(a, server.payload, freshAddress(), victim)).toBe(429)
    expect(await attempt(b, server.payload, freshAddress(), victim)).toBe(429)
    expect((await server.payload.kv.keys()).some((k) => k.startsWith('login-throttle:'))).toBe(true)
  })

  it('on Redis (REDIS_URL): the same, under a key prefix of its own', async () => {
    const prefix = `newsroom-test-${randomBytes(6).toString('hex')}:`
    // What the servers get with REDIS_URL set.
    const kv = sharedKv({
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    }).init({ payload: server.payload })
    // The server's Payload with Redis as its key-value store, as `REDIS_URL` gives it.
    const onRedis = Object.create(server.payload, { kv: { value: kv } }) as Payload
    try {
      const a = loginThrottle()
      const b = loginThrottle()
      const victim = uniqueEmail()
      for (let i = 0; i < 6; i++)
        expect(await attempt(i % 2 ? a : b, onRedis, freshAddress(), victim)).toBe(0)
      expect(await attempt(b, onRedis, freshAddress(), victim)).toBe(429)
      const keys = await kv.keys()
      expect(keys.some((k) => k.startsWith('login-throttle:account:'))).toBe(true)
      // Old windows are swept from the keys alone.
      const store = kvCounterStore(kv, 'login-throttle:account:')
      await store.set('old:1', { failures: 1 })
      await store.sweep(2)
      expect(await store.get('old:1')).toBeNull()
    } finally {
      await kv.clear()
      await (kv as RedisKVAdapter).quit()
    }
  })
})

describe('the anonymous rate limit on Redis', () => {
  it('two servers’ limiters count one client together, merging through Redis', async () => {
    const prefix = `newsroom-test-${randomBytes(6).toString('hex')}:`
    const kv = sharedKv({
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    }).init({ payload: server.payload }) as RedisKVAdapter
    // Each "server": the real Payload with Redis as its store, and a destroy of its own that stops
    // its merges (the real one would close the shared test server).
    const servers: Server[] = []
    const stops: (() => Promise<void>)[] = []
    const limit = 32
    const serve = async () => {
      const onRedis = Object.create(server.payload, {
        kv: { value: kv },
        destroy: { value: async () => undefined, writable: true },
      }) as Payload
      const app = express()
      app.use(anonymousRateLimit(onRedis, { perMinute: limit, syncMs: 100, exemptLoopback: false }))
      app.get('/', (_req, res) => {
        res.send('ok')
      })
      const listening = createServer(app)
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
      servers.push(listening)
      stops.push(() => onRedis.destroy())
      return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/`
    }
    try {
      const [a, b] = [await serve(), await serve()]
      // Away from the end of the clock's minute, so both halves fall in one window.
      await awayFromWindowEnd(60_000, 20_000)
      let allowed = 0
      for (let i = 0; i < 20; i++) {
        expect((await fetch(a)).status).toBe(200)
        allowed++
      }
      let ownOnB = 0
      let sawA = false
      for (const deadline = Date.now() + 30_000; ;) {
        const res = await fetch(b)
        if (res.status === 429) break
        allowed++
        ownOnB++
        if (limit - Number(res.headers.get('ratelimit-remaining')) - ownOnB >= 20) sawA = true
        if (!sawA) await new Promise((resolve) => setTimeout(resolve, 300))
        if (Date.now() > deadline) throw new Error('the second server never refused')
      }
      expect(sawA).toBe(true)
      expect(allowed).toBeLessThanOrEqual(limit)
      expect((await kv.keys()).some((key) => key.startsWith('rate-limit:'))).toBe(true)
    } finally {
      for (const stop of stops) await stop()
      for (const s of servers) await new Promise((resolve) => s.close(resolve))
      await kv.clear()
      await kv.quit()
    }
  }, 120_000)
})
