import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getPayload, type Payload } from 'payload'
import pg from 'pg'
import sharp from 'sharp'

import { paragraphs } from '../helpers/lexical'
import { createUser } from '../helpers/payload'
import { forwardTcp, makeHosts, type TestHosts } from '../helpers/netns'
import { startTestS3, type TestS3 } from '../helpers/s3'
import { login } from '../helpers/server'
import { scaled, waitFor } from '../helpers/timing'
import { startChildServer, type ChildServer } from './children'

/**
 * Two servers on two hosts, as a deployment on several machines runs: each server in a Linux network
 * namespace of its own (`ip netns`, a bridge the test's process sits on), reaching PostgreSQL and
 * the S3-compatible store only through the bridge's address (PostgreSQL, which listens on loopback,
 * through a forwarder there). They share the database and the bucket, nothing else: no file, no
 * memory, no loopback. Where `ip netns` is refused the same test runs with both servers as
 * processes on loopback, and says so. PostgreSQL leg only (scripts/test.mjs).
 */
const databaseUri = process.env.PG_TEST_DATABASE_URI
if (!databaseUri)
  throw new Error(
    'The multi-host test runs on PostgreSQL only (servers on other hosts need a network database): run it through npm test, whose PostgreSQL leg sets PG_TEST_DATABASE_URI',
  )
const PASSWORD = 'correct horse battery staple'
/** The most a publish through one server may take to reach the other's readers (as freshness.test.ts). */
const FRESHNESS_BOUND_MS = scaled(1_000)

let hosts: TestHosts
let s3: TestS3
let forwarder: { port: number; close: () => Promise<void> }
let payload: Payload
let a: ChildServer
let b: ChildServer
let editorEmail: string
let editorA: string
let editorB: string

beforeAll(async () => {
  hosts = makeHosts(2)
  if (hosts.kind === 'loopback')
    console.info(
      `multi-host test: no network namespaces (${hosts.reason}); NOT run on separate hosts: both servers run as processes on loopback instead`,
    )
  // This process migrates the database first and runs no jobs.
  process.env.DATABASE_URI = databaseUri
  const { default: config } = await import('../../payload.config')
  payload = await getPayload({ config, key: 'multi-host' })
  const editor = await createUser(payload, 'editor')
  editorEmail = editor.email

  const db = new URL(databaseUri)
  forwarder = await forwardTcp(hosts.hostAddress, {
    host: db.hostname,
    port: Number(db.port || 5432),
  })
  const seenFromHosts = new URL(databaseUri)
  seenFromHosts.hostname = hosts.hostAddress
  seenFromHosts.port = String(forwarder.port)
  s3 = await startTestS3(hosts.hostAddress)
  const env = {
    ...s3.env,
    DATABASE_URI: seenFromHosts.toString(),
    JOBS_CRON: '* * * * * *',
    JOBS_LEASE_SECONDS: '3',
    RATE_LIMIT_PER_MINUTE: '0',
    DELIVERY_MICROCACHE_SECONDS: '600',
    MEDIA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'multi-host-disk-')),
  }
  ;[a, b] = await Promise.all(
    hosts.hosts.map((host) =>
      startChildServer({ ...env, CHILD_HOST: host.address }, undefined, host.prefix),
    ),
  )
  editorA = await login(a.url, editorEmail, PASSWORD)
  editorB = await login(b.url, editorEmail, PASSWORD)
}, 240_000)

afterAll(async () => {
  try {
    await Promise.all([a?.stop(), b?.stop()])
    await payload?.destroy()
    await forwarder?.close()
    await s3?.close()
  } finally {
    hosts?.remove()
  }
}, 60_000)

const post = async (server: ChildServer, authorization: string, data: Record<string, unknown>) => {
  const res = await fetch(`${server.url}/api/posts`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(data),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { doc: { id: number; title: string } }).doc
}

describe(`two servers on two hosts, one PostgreSQL database and one S3 bucket`, () => {
  it('run on two hosts with addresses of their own', () => {
    if (hosts.kind === 'namespaces') {
      expect(new URL(a.url).hostname).not.toBe(new URL(b.url).hostname)
      expect(new URL(a.url).hostname).not.toBe('127.0.0.1')
    }
    expect(a.pid).not.toBe(b.pid)
  })

  it('serve a post created through one server from the other', async () => {
    const created = await post(a, editorA, { title: 'Written on host A', slug: 'host-a' })
    const res = await fetch(`${b.url}/api/posts/${created.id}?draft=true&depth=0`, {
      headers: { authorization: editorB },
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { title: string }).title).toBe('Written on host A')
  })

  it('serve an image uploaded through one server from the other (one bucket)', async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#36c' } })
      .png()
      .toBuffer()
    const form = new FormData()
    form.set('_payload', JSON.stringify({ alt: 'shared' }))
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'shared.png')
    const res = await fetch(`${a.url}/api/media`, {
      method: 'POST',
      headers: { authorization: editorA },
      body: form,
    })
    expect(res.status).toBe(201)
    const { doc } = (await res.json()) as { doc: { filename: string } }
    expect(await s3.has(doc.filename)).toBe(true)
    const file = await fetch(`${b.url}/api/media/file/${doc.filename}`)
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true)
  })

  it("deliver a publish through one server to the other's readers within the bound", async () => {
    const draft = await payload.create({
      collection: 'posts',
      data: {
        title: 'Published on A',
        slug: 'published-on-a',
        content: paragraphs('Body') as never,
        editorialState: 'approved',
      },
      overrideAccess: true,
    })
    const url = `${b.url}/api/posts?where[slug][equals]=published-on-a&depth=0`
    // B answers the list from its cache before the publish.
    await waitFor('B to cache the empty list', async () => {
      const res = await fetch(url)
      const body = (await res.json()) as { totalDocs: number }
      expect(body.totalDocs).toBe(0)
      return res.headers.get('x-delivery-cache') === 'hit' ? true : undefined
    })
    const res = await fetch(`${a.url}/api/posts/${draft.id}/transition`, {
      method: 'POST',
      headers: { authorization: editorA, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'published' }),
    })
    expect(res.status).toBe(200)
    const published = Date.now()
    for (;;) {
      const body = (await (await fetch(url)).json()) as { totalDocs: number }
      if (body.totalDocs === 1) break
      if (Date.now() - published > FRESHNESS_BOUND_MS)
        throw new Error(
          `host B still served the old list ${FRESHNESS_BOUND_MS} ms after the publish`,
        )
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })

  it('count sign-in failures made through either server against the same account', async () => {
    const victim = await createUser(payload, 'writer')
    const attempt = async (server: ChildServer) =>
      (
        await fetch(`${server.url}/api/users/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: victim.email, password: 'wrong password' }),
        })
      ).status
    // Five failures slow the account (the sixth goes through once, the seventh is refused):
    // alternating, neither server alone has seen more than three.
    const statuses = []
    for (const server of [a, b, a, b, a, b]) statuses.push(await attempt(server))
    expect(statuses.filter((s) => s === 429)).toEqual([])
    expect(await attempt(b)).toBe(429)
    expect(await attempt(a)).toBe(429)
  })

  it('run each of 50 publications due at the same instant exactly once', async () => {
    const editor = await payload.find({
      collection: 'users',
      where: { email: { equals: editorEmail } },
      overrideAccess: true,
    })
    const posts = []
    for (let i = 0; i < 50; i++) {
      posts.push(
        await payload.create({
          collection: 'posts',
          data: { title: `Due at once ${i}`, editorialState: 'approved' },
          overrideAccess: true,
        }),
      )
    }
    const due = new Date(Date.now() + 1500)
    for (const p of posts) {
      await payload.jobs.queue({
        task: 'schedulePublish',
        input: {
          type: 'publish',
          doc: { relationTo: 'posts', value: String(p.id) },
          user: { relationTo: 'users', value: editor.docs[0]!.id },
        } as never,
        waitUntil: due,
      })
    }
    const ids = posts.map((p) => p.id)
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
    await expectPublishedOnce(ids, 50)
  }, 120_000)

  it('lose no job when the server running it is killed with SIGKILL', async () => {
    const editor = await payload.find({
      collection: 'users',
      where: { email: { equals: editorEmail } },
      overrideAccess: true,
    })
    const target = await payload.create({
      collection: 'posts',
      data: { title: 'Killed mid-publish', editorialState: 'approved' },
      overrideAccess: true,
    })
    // The test holds the post's row: the server that claims the job blocks in its publish.
    const lock = new pg.Client({ connectionString: databaseUri })
    await lock.connect()
    try {
      await lock.query('BEGIN')
      await lock.query('SELECT id FROM posts WHERE id = $1 FOR UPDATE', [target.id])
      const job = (await payload.jobs.queue({
        task: 'schedulePublish',
        input: {
          type: 'publish',
          doc: { relationTo: 'posts', value: String(target.id) },
          user: { relationTo: 'users', value: editor.docs[0]!.id },
        } as never,
        waitUntil: new Date(Date.now() + 500),
      })) as { id: number | string }
      const holder = await waitFor('a server to claim the job', async () => {
        const { rows } = await lock.query<{ claimed_by: string | null }>(
          'SELECT claimed_by FROM payload_jobs WHERE id = $1',
          [job.id],
        )
        const claim = rows[0]?.claimed_by
        if (!claim) return undefined
        return [a, b].find((s) => claim.includes(`:${s.pid}:`))
      })
      holder.kill('SIGKILL')
      await holder.stop()
      await lock.query('ROLLBACK')
    } finally {
      await lock.end()
    }
    await waitFor(
      'the job run again on the other server and the post published',
      async () => {
        const published = await payload.count({
          collection: 'posts',
          where: { and: [{ id: { equals: target.id } }, { _status: { equals: 'published' } }] },
          overrideAccess: true,
        })
        return published.totalDocs === 1 ? true : undefined
      },
      30_000,
    )
    await expectPublishedOnce([target.id], 1)
  }, 90_000)
})

/** A second run of a publication would have saved a second published version of its post. */
const expectPublishedOnce = async (ids: (number | string)[], count: number) => {
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
  expect(perPost.size).toBe(count)
}
