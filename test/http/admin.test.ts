import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'

// Serves the built admin (scripts/test.mjs builds it when missing or stale).
let server: RunningServer
beforeAll(async () => {
  server = await startTestServer({ admin: true })
}, 120_000)
afterAll(async () => {
  await server?.close()
})

describe('the admin', () => {
  it('is served at /admin as HTML by the same server as the API', async () => {
    const res = await fetch(`${server.url}/admin`, { redirect: 'manual' })
    // With no user yet the admin sends the visitor to create the first one.
    const target = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null
    const page = target ? await fetch(new URL(target, server.url)) : res
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('<html')
    expect(html).toMatch(/Newsroom|Payload/)
  })
})
