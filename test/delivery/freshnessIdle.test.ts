import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { paragraphs } from '../helpers/lexical'
import { startTestServer } from '../helpers/server'
import { sharedDatabase } from '../helpers/database'

// The delivery cache ends at any write to the database. The server as deployed also runs the jobs
// runner on a cron: an idle tick must write nothing, or the cache would last one tick.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshness-idle-'))
let server: RunningServer

beforeAll(async () => {
  process.env.DATABASE_URI = sharedDatabase(path.join(dir, 'newsroom.db'))
  process.env.JOBS_CRON = '* * * * * *'
  process.env.DELIVERY_MICROCACHE_SECONDS = '600'
  server = await startTestServer({ jobs: true })
})
afterAll(async () => {
  await server?.close()
  delete process.env.DATABASE_URI
  delete process.env.JOBS_CRON
  delete process.env.DELIVERY_MICROCACHE_SECONDS
  fs.rmSync(dir, { recursive: true, force: true })
})

it('keeps a response across idle ticks of the jobs runner', async () => {
  // A publish scheduled a day ahead: the runner has a job to look at, not yet due.
  const post = await server.payload.create({
    collection: 'posts',
    data: {
      title: 'Idle',
      slug: 'idle',
      content: paragraphs('x') as never,
      _status: 'published',
      editorialState: 'approved',
      publishedAt: '2026-01-01T00:00:00.000Z',
    },
  })
  await server.payload.jobs.queue({
    task: 'schedulePublish',
    input: { type: 'unpublish', doc: { relationTo: 'posts', value: post.id } },
    waitUntil: new Date(Date.now() + 86_400_000),
  })
  // The writes above are seen once through the hooks and once more by the 250 ms poll: let both pass.
  await new Promise((resolve) => setTimeout(resolve, 750))
  const url = `${server.url}/api/posts/${post.id}?depth=0`
  const deadline = Date.now() + 3_000
  while ((await fetch(url)).headers.get('x-delivery-cache') !== 'hit') {
    if (Date.now() > deadline) throw new Error('the response was never cached')
  }
  // Three ticks of the runner (every second here).
  await new Promise((resolve) => setTimeout(resolve, 3_200))
  expect((await fetch(url)).headers.get('x-delivery-cache')).toBe('hit')
})
