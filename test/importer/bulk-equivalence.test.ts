import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { runImport, type ImportReport } from '../../src/importer'
import { PostgresBulkWriter } from '../../src/store/postgres'
import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'

/**
 * The bulk sink (src/store/bulk.ts: rows laid out by drizzle's private `transformForWrite`; ids and
 * statements by src/store/sqlite.ts on SQLite, src/store/postgres.ts on PostgreSQL) must store exactly
 * what the Local API stores, where every Posts hook runs (slug, contentHtml, excerpt, publishedAt,
 * versions). This pins the private piece: an upgrade of Payload or drizzle that changes it fails here.
 * The example archive is imported through the Local API, everything is read back (raw rows and
 * through the Local and REST APIs), the tables are emptied, and the same archive is imported through
 * the bulk path and read back again: apart from timestamps, the two must be identical, ids included
 * (emptied tables restart at id 1 either way: SQLite's rowids, PostgreSQL's sequences restarted).
 * Runs on both legs of `npm test`.
 */

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)

/** Child tables first (foreign keys). */
const TABLES = [
  '_posts_v_texts',
  '_posts_v_rels',
  '_posts_v_version_editorial_log',
  '_posts_v',
  'posts_texts',
  'posts_rels',
  'posts_editorial_log',
  'posts',
  'authors',
  'categories',
  'sources_texts',
  'sources',
  'media',
]

/** Columns and keys that hold the time of the write. */
const TIME_COLUMNS =
  /^(created_at|updated_at|version_created_at|version_updated_at|(version_)?provenance_imported_at)$/
const TIME_KEYS = new Set(['createdAt', 'updatedAt', 'importedAt'])

type Client = { execute: (sql: string) => Promise<{ columns: string[]; rows: unknown[][] }> }
type PgPool = {
  query: (q: { text: string; rowMode: 'array' }) => Promise<{
    fields: { name: string }[]
    rows: unknown[][]
  }>
}

let server: RunningServer
let payload: Payload
let client: Client
let dir: string

const onPostgres = () => (payload.db as unknown as { name: string }).name === 'postgres'

/** Raw SQL on the test's database: libsql's client on SQLite, the adapter's pool on PostgreSQL. */
const clientOf = (p: Payload): Client => {
  if ((p.db as unknown as { name: string }).name !== 'postgres')
    return (p.db as unknown as { client: Client }).client
  const pool = (p.db as unknown as { pool: PgPool }).pool
  return {
    execute: async (text) => {
      const r = await pool.query({ text, rowMode: 'array' })
      return { columns: r.fields.map((f) => f.name), rows: r.rows }
    },
  }
}

const idsPerFetch = PostgresBulkWriter.idsPerFetch

beforeAll(async () => {
  // PostgreSQL: ids one at a time from the sequences, as the Local API takes them, so that ids can
  // be compared too (in blocks, the default, a run leaves gaps; the last test here runs with them).
  PostgresBulkWriter.idsPerFetch = 1
  server = await startTestServer({ jobs: false })
  payload = server.payload
  client = clientOf(payload)
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-equivalence-'))
  fs.cpSync(EXAMPLES, dir, { recursive: true })
})
afterAll(async () => {
  PostgresBulkWriter.idsPerFetch = idsPerFetch
  fs.rmSync(dir, { recursive: true, force: true })
  await server.close()
})

const wipe = async () => {
  if (onPostgres()) {
    // Sequences restart at 1 as SQLite's rowids do in emptied tables (CASCADE: the lock documents'
    // rows that name a post).
    await client.execute(
      `TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`,
    )
    return
  }
  for (const t of TABLES) await client.execute(`DELETE FROM "${t}"`)
}

const rawRows = async () => {
  const out: Record<string, Record<string, unknown>[]> = {}
  for (const t of TABLES) {
    const rs = await client.execute(`SELECT * FROM "${t}" ORDER BY id`)
    out[t] = rs.rows.map((r) => {
      const o: Record<string, unknown> = {}
      rs.columns.forEach((c, i) => {
        if (!TIME_COLUMNS.test(c)) o[c] = r[i]
      })
      return o
    })
  }
  return out
}

const stripTimes = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(stripTimes)
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (!TIME_KEYS.has(k)) o[k] = stripTimes(x)
    // A join lists its docs newest first: posts written in the same millisecond tie, so by id.
    if (Array.isArray(o.docs) && 'hasNextPage' in o)
      o.docs = [...(o.docs as { id?: number }[])].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))
    return o
  }
  return v
}

const readBack = async () => {
  const posts = await payload.find({
    collection: 'posts',
    depth: 1,
    draft: true,
    limit: 100,
    sort: 'id',
    overrideAccess: true,
  })
  const versions = await payload.findVersions({
    collection: 'posts',
    depth: 1,
    limit: 100,
    sort: 'id',
    overrideAccess: true,
  })
  const other = async (collection: 'media' | 'sources' | 'authors' | 'categories') =>
    (await payload.find({ collection, depth: 1, limit: 200, sort: 'id', overrideAccess: true }))
      .docs
  const rest = await fetch(`${server.url}/api/posts?depth=1&limit=100&sort=id`)
  expect(rest.status).toBe(200)
  const restBody = (await rest.json()) as {
    totalDocs: number
    docs: { contentHtml?: string; slug?: string }[]
  }
  return stripTimes({
    posts: posts.docs,
    versions: versions.docs,
    media: await other('media'),
    sources: await other('sources'),
    authors: await other('authors'),
    categories: await other('categories'),
    rest: restBody,
  }) as Record<string, unknown> & { rest: typeof restBody; posts: unknown[]; versions: unknown[] }
}

const reportRows = (r: ImportReport) => r.rows

/**
 * The one designed difference: the store keeps a post's source document once, in the post's row
 * (`versionOfRow`, src/store/adapter.ts), where the Local API's version repeats it. Checks which run
 * this is (the version holds the row's document, or none), then leaves it out of the comparison: of
 * the raw version rows, and of the reads that show the latest version (posts as drafts, versions).
 */
const setVersionSourceAside = (
  rows: Record<string, Record<string, unknown>[]>,
  docs: { posts: unknown[]; versions: unknown[] },
  versionsRepeatIt: boolean,
) => {
  const rowSource = new Map(rows.posts.map((p) => [String(p.id), p.provenance_source]))
  for (const v of rows._posts_v) {
    expect(v.version_provenance_source).toEqual(
      versionsRepeatIt ? rowSource.get(String(v.parent_id)) : null,
    )
    delete v.version_provenance_source
  }
  const drop = (doc: unknown) => {
    const provenance = (doc as { provenance?: Record<string, unknown> } | undefined)?.provenance
    if (provenance) delete provenance.source
  }
  for (const p of docs.posts) drop(p)
  for (const v of docs.versions) drop((v as { version?: unknown }).version)
}

describe('the bulk writer (SQLite and PostgreSQL)', () => {
  it('stores exactly what the Local API stores, hooks and all', async () => {
    await wipe()
    // The reference run really goes through the Local API (every hook runs).
    const localCreate = payload.create.bind(payload)
    let localCreates = 0
    payload.create = ((...a: Parameters<Payload['create']>) => {
      localCreates++
      return localCreate(...a)
    }) as Payload['create']
    let viaAdapter: ImportReport
    try {
      viaAdapter = await runImport({ payload, dir, sink: 'local-api', runId: 'equivalence' })
    } finally {
      payload.create = localCreate
    }
    expect(localCreates).toBeGreaterThan(viaAdapter.summary.created)
    expect(viaAdapter.summary.sink).toBe('local-api')
    expect(viaAdapter.summary.failed).toBe(0)
    expect(viaAdapter.summary.created).toBeGreaterThan(5)
    const rowsA = await rawRows()
    const docsA = await readBack()

    await wipe()
    // The bulk run really is one: no adapter-level creates.
    const db = payload.db as unknown as Record<
      'create' | 'createVersion',
      (...a: unknown[]) => unknown
    >
    const calls = { create: 0, createVersion: 0 }
    const orig = { create: db.create, createVersion: db.createVersion }
    for (const k of ['create', 'createVersion'] as const) {
      db[k] = function (this: unknown, ...a: unknown[]) {
        calls[k]++
        return orig[k].apply(this, a)
      }
    }
    let viaBulk: ImportReport
    try {
      viaBulk = await runImport({ payload, dir, runId: 'equivalence' })
    } finally {
      Object.assign(db, orig)
    }
    // The store picked the bulk sink by itself, on either database.
    expect(viaBulk.summary.sink).toBe('bulk')
    expect(calls).toEqual({ create: 0, createVersion: 0 })
    const rowsB = await rawRows()
    const docsB = await readBack()

    // Posts' rows hold their source document, compared with the rest of the row below.
    expect(rowsB.posts.every((p) => p.provenance_source != null)).toBe(true)
    setVersionSourceAside(rowsA, docsA, true)
    setVersionSourceAside(rowsB, docsB, false)

    expect(reportRows(viaBulk)).toEqual(reportRows(viaAdapter))
    expect(viaBulk.created).toEqual(viaAdapter.created)
    // Every table the import writes has rows, and they are the same rows.
    for (const t of [
      'posts',
      'posts_texts',
      'posts_rels',
      '_posts_v',
      '_posts_v_texts',
      '_posts_v_rels',
      'media',
      'sources',
      'sources_texts',
      'authors',
    ]) {
      expect({ t, n: rowsA[t].length > 0 }).toEqual({ t, n: true })
    }
    for (const t of TABLES) expect({ t, rows: rowsB[t] }).toEqual({ t, rows: rowsA[t] })
    expect(docsB).toEqual(docsA)

    // Anonymous REST reads see every published post, with rendered HTML.
    expect(docsB.rest.totalDocs).toBe(viaBulk.summary.created)
    for (const p of docsB.rest.docs) {
      expect(p.slug).toBeTruthy()
      expect(p.contentHtml ?? '').not.toMatch(/<script|\son[a-z]+=|javascript:/i)
    }
    expect(docsB.versions).toHaveLength(viaBulk.summary.created)
    const htmls = (docsB.posts as { contentHtml?: string }[]).map((p) => p.contentHtml ?? '')
    expect(htmls.some((h) => h.includes('<img src="https://img.example.org/2025/river.jpg"'))).toBe(
      true,
    )
  })

  it('a bulk import re-imports as unchanged, and an edit after it makes one update and one version', async () => {
    const count = async () =>
      (await payload.countVersions({ collection: 'posts', overrideAccess: true })).totalDocs
    const before = await count()
    const again = await runImport({ payload, dir })
    expect(again.summary.created + again.summary.updated).toBe(0)
    expect(await count()).toBe(before)

    const file = path.join(dir, '_posts/2025-03-13-Markets close higher.md')
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('Stocks closed higher', 'Stocks closed sharply higher'),
    )
    const edited = await runImport({ payload, dir })
    expect(edited.summary.updated).toBe(1)
    expect(edited.summary.created).toBe(0)
    expect(await count()).toBe(before + 1)
    const id = edited.rows.find((r) => r.status === 'updated')!.id!
    const latest = await payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: id }, latest: { equals: true } },
      overrideAccess: true,
    })
    expect(latest.totalDocs).toBe(1)
    expect((latest.docs[0].version as { contentHtml?: string }).contentHtml).toContain(
      'sharply higher',
    )
  })

  it('new media, authors and sources in a later bulk run get fresh ids after existing rows', async () => {
    PostgresBulkWriter.idsPerFetch = idsPerFetch
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-equivalence-b-'))
    try {
      fs.cpSync(EXAMPLES, other, { recursive: true })
      for (const e of fs.readdirSync(other, { recursive: true, withFileTypes: true })) {
        if (!e.isFile()) continue
        const f = path.join(e.parentPath, e.name)
        fs.writeFileSync(
          f,
          fs.readFileSync(f, 'utf8').replace(/example\.(org|com)/gi, 'bulk-b.test'),
        )
      }
      const before = await payload.count({ collection: 'posts', overrideAccess: true })
      const r = await runImport({ payload, dir: other })
      expect(r.summary.failed).toBe(0)
      const after = await payload.count({ collection: 'posts', overrideAccess: true })
      expect(after.totalDocs).toBe(before.totalDocs + r.summary.created)
      const media = await payload.find({
        collection: 'media',
        where: { externalUrl: { contains: 'bulk-b.test' } },
        limit: 100,
        overrideAccess: true,
      })
      expect(media.totalDocs).toBeGreaterThan(0)
      const posts = await payload.find({
        collection: 'posts',
        where: { sourceUrl: { contains: 'bulk-b.test' } },
        depth: 1,
        limit: 100,
        overrideAccess: true,
      })
      expect(posts.totalDocs).toBe(r.summary.created)
      // Upload nodes point at this run's media docs.
      expect(posts.docs.some((p) => (p.contentHtml ?? '').includes('bulk-b.test'))).toBe(true)
      // The import took its ids where Payload takes them (PostgreSQL: the sequences): what Payload
      // creates next gets a fresh id, after every imported one.
      const maxId = async (table: string) =>
        Number((await client.execute(`SELECT max(id) FROM "${table}"`)).rows[0][0])
      const [posts0, media0, authors0] = [
        await maxId('posts'),
        await maxId('media'),
        await maxId('authors'),
      ]
      const post = await payload.create({
        collection: 'posts',
        data: { title: 'After the bulk import' },
        overrideAccess: true,
      })
      // At the adapter level: the INSERT takes the column's default, the sequence's next value.
      const medium = await payload.db.create({
        collection: 'media',
        data: { alt: 'after', externalUrl: 'https://bulk-b.test/after.jpg' },
      })
      const author = await payload.db.create({
        collection: 'authors',
        data: { name: 'After the bulk import', slug: 'after-the-bulk-import' },
      })
      expect(Number(post.id)).toBeGreaterThan(posts0)
      expect(Number(medium.id)).toBeGreaterThan(media0)
      expect(Number(author.id)).toBeGreaterThan(authors0)
    } finally {
      fs.rmSync(other, { recursive: true, force: true })
    }
  })
})
