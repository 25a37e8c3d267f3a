import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, expect, it } from '@jest/globals'
import { getPayload } from 'payload'

import type { RunningServer } from '../../src/server'
import { createUser } from '../helpers/payload'
import { startTestServer } from '../helpers/server'
import { seedPost } from './helpers'
import { sharedDatabase } from '../helpers/database'
import { scaled } from '../helpers/timing'

// A database that outlives the server: an SQLite file, migrated from migrations/ like production.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-restart-'))
process.env.DATABASE_URI = sharedDatabase(path.join(tmp, 'restart.db'))

let server: RunningServer | undefined
afterAll(async () => {
  await server?.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

it('a job that fell due while the server was stopped runs when it starts again', async () => {
  server = await startTestServer()
  const editor = await createUser(server.payload, 'editor')
  const post = await seedPost(server.payload, undefined, {
    editorialState: 'approved',
    title: '停机期间到点',
  })
  const job = await server.payload.jobs.queue({
    task: 'schedulePublish',
    input: {
      type: 'publish',
      doc: { relationTo: 'posts', value: String(post.id) },
      user: { relationTo: 'users', value: editor.id },
    } as never,
    waitUntil: new Date(Date.now() + 3600_000),
  })
  await server.close()
  server = undefined

  // While no server runs: the job falls due (moved to 30 s ago through a Payload without crons).
  const { default: config } = await import('../../payload.config')
  const offline = await getPayload({ config, key: 'restart-test-offline' })
  const dueAt = new Date(Date.now() - 30_000)
  await offline.db.updateOne({
    collection: 'payload-jobs',
    id: job.id,
    data: { waitUntil: dueAt.toISOString() },
  })
  expect((await offline.findByID({ collection: 'posts', id: post.id }))._status).toBe('draft')
  await offline.destroy()

  const startedAt = Date.now()
  server = await startTestServer()
  const deadline = Date.now() + 40_000
  let status: string | null | undefined
  while (
    (status = (await server.payload.findByID({ collection: 'posts', id: post.id }))._status) !==
    'published'
  ) {
    if (Date.now() > deadline)
      throw new Error('the overdue job did not run within 40 s of the restart')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const ranAfterStart = (Date.now() - startedAt) / 1000
  console.info(
    `job due during downtime ran ${ranAfterStart.toFixed(1)} s after the server started again (startup included)`,
  )
  expect(status).toBe('published')
  expect(ranAfterStart).toBeLessThan(scaled(15_000) / 1000)
})
