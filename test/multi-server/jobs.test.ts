import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getPayload, type Payload } from 'payload'

import { createUser } from '../helpers/payload'
import { scaled, waitFor } from '../helpers/timing'
import { startChildServer, type ChildServer } from './children'
import { addTestTasks, BLOCK_ONCE_TASK } from './tasks'
import { onPostgres, sharedDatabase } from '../helpers/database'

/**
 * Several servers on one database, each running the jobs crons (every second here): every due job
 * runs exactly once, and a job held by a server that dies runs again later, once, on another.
 * On SQLite always (one file, three processes); on MongoDB too when one is reachable.
 */
const mongoBase = process.env.MONGO_TEST_BASE_URI ?? process.env.MONGODB_URI
const databases: [string, () => string][] = [
  [
    onPostgres() ? 'PostgreSQL' : 'SQLite (one file)',
    () =>
      sharedDatabase(
        path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'multi-jobs-')), 'newsroom.db'),
      ),
  ],
]
if (mongoBase) {
  databases.push([
    'MongoDB',
    () => {
      const url = new URL(mongoBase)
      url.pathname = `/newsroom_multi_${randomBytes(6).toString('hex')}`
      return url.toString()
    },
  ])
} else {
  console.info(
    'multi-server jobs on MongoDB: NOT RUN (no MONGODB_URI or MONGO_TEST_BASE_URI); only SQLite ran',
  )
}

describe.each(databases)('three servers on %s', (_name, makeDatabase) => {
  const databaseUri = makeDatabase()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multi-jobs-files-'))
  let payload: Payload
  let servers: ChildServer[] = []
  const env = {
    DATABASE_URI: databaseUri,
    JOBS_CRON: '* * * * * *',
    JOBS_LEASE_SECONDS: '3',
    // Delivery is not what these tests are about; it stays as deployed.
    RATE_LIMIT_PER_MINUTE: '0',
  }

  beforeAll(async () => {
    process.env.DATABASE_URI = databaseUri
    const { default: config } = await import('../../payload.config')
    // This process creates (and on SQLite migrates) the database first, and runs no jobs itself.
    payload = await getPayload({ config: addTestTasks(await config), key: `multi-${databaseUri}` })
    servers = await Promise.all([0, 1, 2].map(() => startChildServer(env)))
  }, 180_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    await payload?.destroy()
    if (!/^(mongodb|postgres)/.test(databaseUri))
      fs.rmSync(path.dirname(databaseUri), { recursive: true, force: true })
    fs.rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  it('run each of 50 publications due at the same instant exactly once', async () => {
    const editor = await createUser(payload, 'editor')
    const posts = []
    for (let i = 0; i < 50; i++) {
      posts.push(
        await payload.create({
          collection: 'posts',
          data: { title: `同时到点 ${i}`, editorialState: 'approved' },
          overrideAccess: true,
        }),
      )
    }
    const due = new Date(Date.now() + 1500)
    for (const post of posts) {
      await payload.jobs.queue({
        task: 'schedulePublish',
        input: {
          type: 'publish',
          doc: { relationTo: 'posts', value: String(post.id) },
          user: { relationTo: 'users', value: editor.id },
        } as never,
        waitUntil: due,
      })
    }
    const ids = posts.map((p) => p.id)

    // Done: no scheduled job left (Payload deletes a job once it completed) and every post published.
    await waitFor('all 50 published and their jobs gone', async () => {
      const [left, published] = await Promise.all([
        payload.count({
          collection: 'payload-jobs',
          where: { taskSlug: { equals: 'schedulePublish' } },
          overrideAccess: true,
        }),
        payload.count({
          collection: 'posts',
          where: { and: [{ id: { in: ids } }, { _status: { equals: 'published' } }] },
          overrideAccess: true,
        }),
      ])
      return left.totalDocs === 0 && published.totalDocs === 50 ? true : undefined
    })
    // A second run of a publication would have saved a second published version of its post.
    const { docs: versions } = await payload.findVersions({
      collection: 'posts',
      where: { and: [{ parent: { in: ids } }, { 'version._status': { equals: 'published' } }] },
      pagination: false,
      depth: 0,
      overrideAccess: true,
    })
    const perPost = new Map<string, number>()
    for (const v of versions) {
      const parent = String(v.parent)
      perPost.set(parent, (perPost.get(parent) ?? 0) + 1)
    }
    expect([...perPost.values()].filter((n) => n !== 1)).toEqual([])
    expect(perPost.size).toBe(50)
  }, 120_000)

  it('run a job held by a server killed with SIGKILL again on another, once, after its lease', async () => {
    if (onPostgres()) {
      // Its test task is added to the config after buildConfig; PostgreSQL stores task slugs as an
      // enum made from the config's tasks, so the job cannot be queued there.
      console.info(
        'SIGKILL job test: NOT RUN on PostgreSQL (its test task is not in the jobs enum)',
      )
      return
    }
    const marker = path.join(tmp, 'blocked')
    const job = (await payload.jobs.queue({
      task: BLOCK_ONCE_TASK,
      input: { marker },
    } as never)) as { id: number | string }
    // The server that claimed it says so, then never finishes it.
    const holder = await Promise.any(
      servers.map((s) =>
        s.waitFor((m) => String(m.blocking) === String(job.id), scaled(30_000)).then(() => s),
      ),
    )
    holder.kill('SIGKILL')
    await holder.stop()
    servers = servers.filter((s) => s !== holder)

    await waitFor(
      'the job run again and completed',
      async () => {
        const left = await payload.count({
          collection: 'payload-jobs',
          where: { id: { equals: job.id } },
          overrideAccess: true,
        })
        return left.totalDocs === 0 ? true : undefined
      },
      30_000,
    ).catch(async (err: unknown) => {
      const state = await payload.db.findOne({
        collection: 'payload-jobs',
        where: { id: { equals: job.id } },
      })
      const runs = fs.existsSync(`${marker}.runs`) ? fs.readFileSync(`${marker}.runs`, 'utf8') : ''
      throw new Error(`${String(err)}; the job: ${JSON.stringify(state)}; runs: ${runs}`)
    })
    const runs = fs.readFileSync(`${marker}.runs`, 'utf8').trim().split('\n').map(Number)
    expect(runs).toHaveLength(2)
    expect(runs[0]).toBe(holder.pid)
    expect(servers.map((s) => s.pid)).toContain(runs[1])
  }, 90_000)
})
