import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getPayload, type Payload } from 'payload'

import { runImport } from '../../src/importer'
import type { RunningServer } from '../../src/server'
import { paragraphs } from '../helpers/lexical'
import { startTestServer } from '../helpers/server'
import { sharedDatabase } from '../helpers/database'
import { scaled } from '../helpers/timing'

// The delivery cache keeps an anonymous response until something could have changed what readers
// see. On a file database (as deployed) that is watched three ways; each test proves the cache was in
// use first (a `hit`), so that it fails if a way of changing content went unnoticed, or that a
// change readers cannot see left it alone.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshness-'))
const file = sharedDatabase(path.join(dir, 'newsroom.db'))
let server: RunningServer
let other: Payload

const published = { _status: 'published' as const, editorialState: 'approved' as const }

beforeAll(async () => {
  process.env.DATABASE_URI = file
  // Long enough that only a change, never the time limit, can end a cached response here.
  process.env.DELIVERY_MICROCACHE_SECONDS = '600'
  server = await startTestServer({ jobs: false })
  // A second Payload on the same file, with its own connection and its own delivery hooks: to the
  // server, exactly another server or a CLI.
  const { default: config } = await import('../../payload.config')
  other = await getPayload({ config, key: 'freshness-other-process' })
})
afterAll(async () => {
  await other?.destroy()
  await server?.close()
  delete process.env.DATABASE_URI
  delete process.env.DELIVERY_MICROCACHE_SECONDS
  fs.rmSync(dir, { recursive: true, force: true })
})

const read = async (url: string) => {
  const res = await fetch(`${server.url}${url}`)
  return {
    how: res.headers.get('x-delivery-cache'),
    body: (await res.json()) as Record<string, any>,
  }
}

/**
 * Reads `url` until the delivery cache answers it: the response is then kept. (A write is seen by
 * the cache twice, once at once through the hooks and once by the poll, so the first read after a
 * write may not be the one kept.)
 */
const readUntilCached = async (url: string) => {
  // Let the poll (every 250 ms) see the writes made just before, so the epoch no longer moves.
  await new Promise((resolve) => setTimeout(resolve, 600))
  const started = Date.now()
  for (;;) {
    const { how, body } = await read(url)
    if (how === 'hit') return body
    if (Date.now() - started > scaled(3_000))
      throw new Error(`${url} was never answered from the cache`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Reads `url` every 20 ms until `done(body)`; returns how long that took, in ms. */
const readUntil = async (url: string, done: (body: Record<string, any>) => boolean, ms = 5_000) => {
  const started = Date.now()
  for (;;) {
    const { body, how } = await read(url)
    if (done(body)) return { waited: Date.now() - started, how }
    if (Date.now() - started > ms)
      throw new Error(
        `${url} did not change within ${ms} ms: ${JSON.stringify(body).slice(0, 300)}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the delivery cache on a file database', () => {
  it('drops a response within half a second when another process changes a published post', async () => {
    const post = await server.payload.create({
      collection: 'posts',
      data: {
        ...published,
        title: 'Before',
        slug: 'other-process',
        content: paragraphs('x') as never,
        publishedAt: '2026-01-01T00:00:00.000Z',
      },
    })
    const url = `/api/posts/${post.id}?depth=0`
    expect((await readUntilCached(url)).title).toBe('Before')

    await other.update({ collection: 'posts', id: post.id, data: { title: 'After' } })
    const { waited, how } = await readUntil(url, (body) => body.title === 'After')
    process.stdout.write(`another process's write seen by the cache after ${waited} ms\n`)
    expect(waited).toBeLessThan(scaled(500))
    expect(how).toBe('miss')
  })

  it("follows another process's change to a source in the attribution of posts read at depth 0", async () => {
    const source = await server.payload.create({
      collection: 'sources',
      data: { name: 'Outlet B', slug: 'outlet-b' },
    })
    const post = await server.payload.create({
      collection: 'posts',
      data: {
        ...published,
        title: 'Credited',
        slug: 'credited',
        content: paragraphs('z') as never,
        source: source.id,
        publishedAt: '2026-01-01T00:00:00.000Z',
      },
    })
    const url = `/api/posts/${post.id}?depth=0`
    expect((await readUntilCached(url)).attribution.outlet).toBe('Outlet B')

    await other.update({
      collection: 'sources',
      id: source.id,
      data: { name: 'Outlet B renamed' },
    })
    const { waited } = await readUntil(
      url,
      (body) => body.attribution.outlet === 'Outlet B renamed',
    )
    expect(waited).toBeLessThan(scaled(500))
  })

  it('shows a post under embargo at its publishedAt, though nothing writes', async () => {
    const due = Date.now() + 2_000
    await server.payload.create({
      collection: 'posts',
      data: {
        ...published,
        title: 'Embargoed',
        slug: 'embargoed-soon',
        content: paragraphs('y') as never,
        publishedAt: new Date(due).toISOString(),
      },
    })
    const url = '/api/posts?where[slug][equals]=embargoed-soon&depth=0'
    expect((await readUntilCached(url)).totalDocs).toBe(0)

    const { how } = await readUntil(url, (body) => body.totalDocs === 1)
    const late = Date.now() - due
    process.stdout.write(`embargoed post delivered ${late} ms after its publishedAt\n`)
    expect(late).toBeGreaterThanOrEqual(0)
    expect(late).toBeLessThan(scaled(300))
    expect(how).toBe('miss')
  })

  it('keeps a response across draft saves and autosaves, and ends it when the post is unpublished', async () => {
    const post = await server.payload.create({
      collection: 'posts',
      data: {
        ...published,
        title: 'Live',
        slug: 'autosaved',
        content: paragraphs('live') as never,
        publishedAt: '2026-01-01T00:00:00.000Z',
      },
    })
    const url = `/api/posts/${post.id}?depth=0`
    expect((await readUntilCached(url)).title).toBe('Live')

    // An editor at work on the next revision, in this process and in another: autosaves and a save
    // as draft write versions only.
    for (const [payload, title] of [
      [server.payload, 'Next revision 1'],
      [other, 'Next revision 2'],
    ] as const) {
      await payload.update({
        collection: 'posts',
        id: post.id,
        data: { title },
        draft: true,
        autosave: true,
      })
    }
    await other.update({ collection: 'posts', id: post.id, data: { title: 'Draft' }, draft: true })
    // Past two polls of the epoch: a change would have been seen by now.
    await new Promise((resolve) => setTimeout(resolve, 600))
    const after = await read(url)
    expect(after.how).toBe('hit')
    expect(after.body.title).toBe('Live')

    // Unpublishing (the latest version is a draft, so Payload's previousDoc says 'draft' too).
    await other.update({ collection: 'posts', id: post.id, data: { _status: 'draft' } })
    const res = await readUntil(url, (body) => body.id === undefined)
    expect(res.how).toBe('miss')
  })

  it("sees the importer's bulk writes in this process, which run no hooks", async () => {
    // A first import creates the sources and authors (through Payload, hooks and all); the second
    // changes one post and nothing else, through the bulk writer only.
    const archive = path.join(dir, 'archive')
    fs.cpSync(path.resolve('examples/archive'), archive, { recursive: true })
    const file = path.join(archive, '_posts', '2025-03-04-城市图书馆夜间开放试点启动.md')
    const first = await runImport({ payload: server.payload, dir: archive })
    const row = first.rows.find((r) => r.file.endsWith('城市图书馆夜间开放试点启动.md'))!
    expect(row.status).toBe('created')
    const url = `/api/posts/${row.id}?depth=0`
    expect((await readUntilCached(url)).title).toBe('城市图书馆夜间开放试点启动')

    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('title: "城市图书馆夜间开放试点启动"', 'title: "城市图书馆夜间开放试点扩大"'),
    )
    const second = await runImport({ payload: server.payload, dir: archive })
    expect(second.rows.find((r) => r.id === row.id)?.status).toBe('updated')
    const { waited, how } = await readUntil(
      url,
      (body) => body.title === '城市图书馆夜间开放试点扩大',
    )
    expect(waited).toBeLessThan(scaled(500))
    expect(how).toBe('miss')
  })
})

describe('populated documents for readers', () => {
  it('come from the cache after the first read, equal to what Payload populated, and change with their source', async () => {
    // Every statement the database driver runs: libsql's `execute` on SQLite, pg's `query` on PostgreSQL.
    type Run = (...args: unknown[]) => unknown
    const db = server.payload.db as unknown as { client?: { execute: Run }; pool?: { query: Run } }
    const [client, method] = db.pool
      ? [db.pool as unknown as Record<string, Run>, 'query']
      : [db.client as unknown as Record<string, Run>, 'execute']
    const execute = client[method]
    const queried: string[] = []
    client[method] = (...args: unknown[]) => {
      const statement = args[0] as string | { sql?: string; text?: string }
      queried.push(
        typeof statement === 'string' ? statement : (statement.sql ?? statement.text ?? ''),
      )
      return execute.apply(client, args)
    }
    const sourceQueries = () => queried.filter((sql) => /from "sources"/.test(sql)).length
    try {
      const source = await server.payload.create({
        collection: 'sources',
        data: { name: 'Outlet A', slug: 'outlet-a', attribution: '© A' },
      })
      const category = await server.payload.create({
        collection: 'categories',
        data: { name: 'Cat A', slug: 'cat-a' },
      })
      const made = await Promise.all(
        ['one', 'two'].map((slug) =>
          server.payload.create({
            collection: 'posts',
            data: {
              ...published,
              title: slug,
              slug: `populated-${slug}`,
              content: paragraphs(slug) as never,
              source: source.id,
              categories: [category.id],
              publishedAt: '2026-01-02T00:00:00.000Z',
            },
          }),
        ),
      )
      // Different URLs (no response cache in the way), same populated source and category. The
      // first is read until the cache keeps it: the writes above have then all been seen.
      const first = await readUntilCached(`/api/posts/${made[0]!.id}?depth=1`)
      const before = sourceQueries()
      const second = (await read(`/api/posts/${made[1]!.id}?depth=1`)).body
      expect(sourceQueries()).toBe(before)
      expect(second.source).toEqual(first.source)
      expect(second.categories).toEqual(first.categories)
      expect(first.source).toMatchObject({
        id: source.id,
        name: 'Outlet A',
        slug: 'outlet-a',
        attribution: '© A',
      })

      // A signed-in read is never served from it.
      const staffBefore = sourceQueries()
      await server.payload.find({
        collection: 'posts',
        where: { id: { equals: made[1]!.id } },
        depth: 1,
        overrideAccess: false,
        user: { id: 1, collection: 'users', roles: ['editor'] } as never,
      })
      expect(sourceQueries()).toBeGreaterThan(staffBefore)

      await server.payload.update({
        collection: 'sources',
        id: source.id,
        data: { name: 'Outlet A renamed' },
      })
      const after = (await read(`/api/posts/${made[0]!.id}?depth=1`)).body
      expect(after.source.name).toBe('Outlet A renamed')
      expect(after.attribution.outlet).toBe('Outlet A renamed')
    } finally {
      client[method] = execute
    }
  })
})
