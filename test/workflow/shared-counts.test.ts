import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { startChildServer, type ChildServer } from '../multi-server/children'
import { awayFromWindowEnd } from '../helpers/timing'

/**
 * Issue 22 item 3, across processes: two servers on one SQLite file count sign-in failures and
 * anonymous requests together, so a second server gives an attacker no second allowance.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-counts-'))
const env = {
  DATABASE_URI: path.join(dir, 'newsroom.db'),
  TRUST_PROXY: '1',
  RATE_LIMIT_PER_MINUTE: '40',
  RATE_LIMIT_SYNC_MS: '100',
}
let a: ChildServer
let b: ChildServer
const email = 'owner@example.test'

beforeAll(async () => {
  // One after the other: the first creates and migrates the file.
  a = await startChildServer(env)
  b = await startChildServer(env)
  const res = await fetch(`${a.url}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1' },
    body: JSON.stringify({ email, password: 'correct horse battery staple' }),
  })
  expect(res.status).toBe(201)
}, 240_000)

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  fs.rmSync(dir, { recursive: true, force: true })
}, 60_000)

let host = 10
const freshClient = () => `198.51.100.${host++}`

describe('two servers on one database', () => {
  it('count failed sign-ins to one account together: failures through either slow it down', async () => {
    await awayFromWindowEnd(15 * 60_000, 60_000)
    const signIn = (server: ChildServer) =>
      fetch(`${server.url}/api/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': freshClient() },
        body: JSON.stringify({ email, password: 'a guess' }),
      }).then((res) => res.status)
    // Five failures, alternating servers, then the one attempt a slowed account still takes.
    for (let i = 0; i < 6; i++) expect(await signIn(i % 2 ? b : a)).toBe(401)
    // Each server alone saw three: only counted together is the account slowed down.
    expect(await signIn(b)).toBe(429)
    expect(await signIn(a)).toBe(429)
  }, 120_000)

  it('count anonymous requests together: one client gets one allowance, not one per server', async () => {
    const limit = Number(env.RATE_LIMIT_PER_MINUTE)
    await awayFromWindowEnd(60_000, 40_000)
    const client = '203.0.113.77'
    const read = (server: ChildServer) =>
      fetch(`${server.url}/api/categories?limit=1`, { headers: { 'x-forwarded-for': client } })
    let allowed = 0
    for (let i = 0; i < 20; i++) {
      const res = await read(a)
      expect(res.status).toBe(200)
      allowed++
    }
    // Server B until it refuses; paced until B shows A's counts (its merge runs every 100 ms).
    let ownOnB = 0
    let sawA = false
    const deadline = Date.now() + 30_000
    for (;;) {
      const res = await read(b)
      if (res.status === 429) break
      expect(res.status).toBe(200)
      allowed++
      ownOnB++
      const remaining = Number(res.headers.get('ratelimit-remaining'))
      if (limit - remaining - ownOnB >= 20) sawA = true
      if (!sawA) await new Promise((resolve) => setTimeout(resolve, 300))
      if (Date.now() > deadline) throw new Error('server B never refused')
    }
    expect(sawA).toBe(true)
    expect(allowed).toBeLessThanOrEqual(limit)
  }, 120_000)
})
