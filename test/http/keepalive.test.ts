import { afterAll, beforeAll, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'

/**
 * An idle keep-alive connection outlives what clients assume (undici reuses one for up to ~4 s after
 * the server's hint, later on a busy machine): with Node's 5 s the server closed sockets a client was
 * sending on, and those requests failed with ECONNRESET (the hostile writers' suite under load).
 */
let server: RunningServer
beforeAll(async () => {
  server = await startTestServer({ jobs: false })
})
afterAll(async () => {
  await server?.close()
})

it('keeps an idle connection open longer than clients keep it (Keep-Alive timeout 65 s)', async () => {
  const res = await fetch(`${server.url}/healthz`)
  await res.text()
  expect(res.headers.get('keep-alive')).toBe('timeout=65')
})
