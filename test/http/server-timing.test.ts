import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'
import { createStaff, seedPost, type Staff } from '../workflow/helpers'

/** Server-Timing on the server's responses: where a slow view's time went, without a profiler. */
let server: RunningServer
let editor: Staff

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  const staff = await createStaff(server.payload, server.url)
  editor = staff.editor
  await seedPost(server.payload, staff.writer.user, { _status: 'published', title: '计时' })
})
afterAll(async () => {
  await server?.close()
})

/** The `Server-Timing` metrics of a response, by name. */
const timings = async (path: string, auth?: string) => {
  const res = await fetch(`${server.url}${path}`, {
    headers: auth ? { authorization: auth } : {},
  })
  await res.arrayBuffer()
  const metrics = new Map<string, string>()
  for (const part of (res.headers.get('server-timing') ?? '').split(/,\s*/)) {
    const [name, ...params] = part.split(';')
    if (name) metrics.set(name.trim(), params.join(';'))
  }
  return metrics
}

describe('Server-Timing', () => {
  it('reports the database time and query count of an API read', async () => {
    const metrics = await timings('/api/posts?limit=5&depth=0', editor.auth)
    const db = metrics.get('db') ?? ''
    expect(db).toMatch(/^dur=\d+(\.\d+)?;desc="[1-9]\d* queries"$/)
    expect(metrics.get('total')).toMatch(/^dur=\d+(\.\d+)?$/)
  })

  it("reports the delivery cache's answer on a public read, a hit costing no database time", async () => {
    const path = '/api/posts?limit=3&depth=0&where[title][equals]=计时'
    const first = await timings(path)
    expect(first.get('cache')).toMatch(/^desc=(miss|hit)$/)
    // Just after a write the cache's epoch is unknown and every read is fresh: ask until it serves.
    const deadline = Date.now() + 15_000
    let again = await timings(path)
    while (again.get('cache') !== 'desc=hit' && Date.now() < deadline) again = await timings(path)
    expect(again.get('cache')).toBe('desc=hit')
    expect(again.get('db')).toBe('dur=0.0;desc="0 queries"')
  })

  it('is on responses outside the API too', async () => {
    const metrics = await timings('/healthz')
    expect(metrics.get('total')).toBeDefined()
    expect(metrics.get('db')).toMatch(/queries/)
  })
})
