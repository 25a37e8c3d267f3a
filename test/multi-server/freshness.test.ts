import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getPayload, type Payload } from 'payload'

import { paragraphs } from '../helpers/lexical'
import { createUser } from '../helpers/payload'
import { login } from '../helpers/server'
import { scaled } from '../helpers/timing'
import { startChildServer, type ChildServer } from './children'
import { onPostgres, sharedDatabase } from '../helpers/database'

/**
 * Two servers on one database, each with its own delivery cache: an editor's publish through one is
 * delivered by the other within the freshness bound (the content epoch is read every 250 ms), and an
 * editor's autosaves through one leave the other's cache alone. On SQLite always; on MongoDB too
 * when one is reachable.
 */
const mongoBase = process.env.MONGO_TEST_BASE_URI ?? process.env.MONGODB_URI
const databases: [string, () => string][] = [
  [
    onPostgres() ? 'PostgreSQL' : 'SQLite (one file)',
    () =>
      sharedDatabase(
        path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'multi-fresh-')), 'newsroom.db'),
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
    'multi-server delivery on MongoDB: NOT RUN (no MONGODB_URI or MONGO_TEST_BASE_URI); only SQLite ran',
  )
}

/**
 * The most a change through one server may take to reach the readers of another, in ms: 1 s on a
 * quiet machine, scaled to a busy one's load (the watch reads the epoch every 250 ms of its timers).
 */
const FRESHNESS_BOUND_MS = scaled(1_000)

const read = async (url: string) => {
  const res = await fetch(url)
  return { how: res.headers.get('x-delivery-cache'), body: (await res.json()) as any }
}

/** Reads `url` until the delivery cache answers it (a `hit`). */
const readUntilCached = async (url: string) => {
  const deadline = Date.now() + scaled(5_000)
  for (;;) {
    const { how, body } = await read(url)
    if (how === 'hit') return body
    if (Date.now() > deadline) throw new Error(`${url} was never answered from the cache`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.each(databases)('two servers on %s', (_name, makeDatabase) => {
  const databaseUri = makeDatabase()
  let payload: Payload
  let a: ChildServer
  let b: ChildServer
  let editor: string
  let postId: number | string

  beforeAll(async () => {
    process.env.DATABASE_URI = databaseUri
    const { default: config } = await import('../../payload.config')
    payload = await getPayload({ config, key: `multi-fresh-${databaseUri}` })
    const user = await createUser(payload, 'editor')
    const post = await payload.create({
      collection: 'posts',
      data: {
        title: '两台服务器',
        slug: 'two-servers',
        content: paragraphs('正文') as never,
        editorialState: 'approved',
      },
      overrideAccess: true,
    })
    postId = post.id
    const env = {
      DATABASE_URI: databaseUri,
      JOBS_CRON: '0 0 0 1 1 *',
      RATE_LIMIT_PER_MINUTE: '0',
      DELIVERY_MICROCACHE_SECONDS: '600',
    }
    ;[a, b] = await Promise.all([startChildServer(env), startChildServer(env)])
    editor = await login(a.url, user.email, 'correct horse battery staple')
  }, 180_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await payload?.destroy()
    if (!/^(mongodb|postgres)/.test(databaseUri))
      fs.rmSync(path.dirname(databaseUri), { recursive: true, force: true })
  }, 60_000)

  it("deliver a publish through one server to the other's readers within the freshness bound", async () => {
    const url = `${b.url}/api/posts?where[slug][equals]=two-servers&depth=0`
    expect((await readUntilCached(url)).totalDocs).toBe(0)

    const res = await fetch(`${a.url}/api/posts/${postId}/transition`, {
      method: 'POST',
      headers: { authorization: editor, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'published' }),
    })
    expect(res.status).toBe(200)
    const published = Date.now()
    for (;;) {
      const { body } = await read(url)
      if (body.totalDocs === 1) break
      if (Date.now() - published > FRESHNESS_BOUND_MS)
        throw new Error(
          `server B still served the old list ${FRESHNESS_BOUND_MS} ms after the publish`,
        )
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    process.stdout.write(
      `a publish on server A reached server B's readers after ${Date.now() - published} ms\n`,
    )
  }, 60_000)

  it("leave the other server's cache alone while an editor autosaves a draft through one", async () => {
    const url = `${b.url}/api/posts/${postId}?depth=0`
    expect((await readUntilCached(url)).title).toBe('两台服务器')
    for (const title of ['新的标题 1', '新的标题 2', '新的标题 3']) {
      const res = await fetch(`${a.url}/api/posts/${postId}?draft=true&autosave=true`, {
        method: 'PATCH',
        headers: { authorization: editor, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      })
      expect(res.status).toBe(200)
    }
    // Past the freshness bound: a change would have reached server B by now.
    await new Promise((resolve) => setTimeout(resolve, FRESHNESS_BOUND_MS))
    const after = await read(url)
    expect(after.how).toBe('hit')
    expect(after.body.title).toBe('两台服务器')
  }, 60_000)
})
