import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createLocalReq, type Payload } from 'payload'

import { runImport } from '../../src/importer'
import { chooseSink } from '../../src/store'
import { knownContentHashes, lookupPosts } from '../../src/store/lookup'
import {
  knownHashesPlain,
  openWriteTransactions,
  readMediaPlain,
  type WriteTransactions,
} from '../../src/store/sqlite'
import { bootPayload } from '../helpers/payload'

/**
 * Pins what src/store/sqlite.ts relies on in @payloadcms/db-sqlite, drizzle and libsql
 * for the importer's batches (the bulk rows themselves are pinned by bulk-equivalence.test.ts): on
 * an SQLite file a batch is one real transaction, and the app's connection keeps the adapter's
 * configuration.
 */

let payload: Payload
let tmp: string
let dbFile: string
const previousUri = process.env.DATABASE_URI

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'importer-internals-'))
  dbFile = path.join(tmp, 'internals.db')
  process.env.DATABASE_URI = dbFile
  payload = await bootPayload()
})
afterAll(async () => {
  await payload?.destroy()
  if (previousUri === undefined) delete process.env.DATABASE_URI
  else process.env.DATABASE_URI = previousUri
  fs.rmSync(tmp, { recursive: true, force: true })
})

const isSqliteFile = () => (payload.db as unknown as { name: string }).name === 'sqlite'

/** How many categories another connection (another process, say) sees with this name. */
const seenElsewhere = async (name: string) => {
  const other = createClient({ url: `file:${dbFile}` })
  try {
    const rs = await other.execute({
      sql: 'SELECT count(*) FROM categories WHERE name = ?',
      args: [name],
    })
    return Number(rs.rows[0][0])
  } finally {
    other.close()
  }
}

const createInBatch = async (transactions: WriteTransactions, name: string) => {
  const id = await transactions.begin()
  expect(id).not.toBeNull()
  const req = await createLocalReq({}, payload)
  req.transactionID = id!
  await payload.db.create({ collection: 'categories', data: { name, slug: name }, req })
  return id!
}

describe('an import batch on an SQLite file', () => {
  it('is one transaction: nothing of it is visible elsewhere until it commits, nothing after a rollback', async () => {
    if (!isSqliteFile()) return
    const transactions = await openWriteTransactions(payload)
    try {
      const committed = await createInBatch(transactions, 'batch-committed')
      expect(await seenElsewhere('batch-committed')).toBe(0)
      await transactions.commit(committed)
      expect(await seenElsewhere('batch-committed')).toBe(1)

      const dropped = await createInBatch(transactions, 'batch-dropped')
      await transactions.rollback(dropped)
      expect(await seenElsewhere('batch-dropped')).toBe(0)
    } finally {
      await transactions.close()
    }
  })

  it("leaves the app's own connection with the adapter's busy timeout and synchronous setting", async () => {
    if (!isSqliteFile()) return
    const transactions = await openWriteTransactions(payload)
    const id = await createInBatch(transactions, 'batch-pragmas')
    const client = (payload.db as unknown as { client: ReturnType<typeof createClient> }).client
    const pragma = async (name: string) =>
      Number((await client.execute(`PRAGMA ${name}`)).rows[0][0])
    try {
      // src/db.ts: busyTimeout 5000, WAL with synchronous NORMAL (1).
      expect({ busy: await pragma('busy_timeout'), sync: await pragma('synchronous') }).toEqual({
        busy: 5000,
        sync: 1,
      })
    } finally {
      await transactions.commit(id)
      await transactions.close()
    }
    expect(await seenElsewhere('batch-pragmas')).toBe(1)
  })

  it('grows the page cache and the write-ahead log between checkpoints while it writes, and gives the connection its own settings back when the run ends', async () => {
    if (!isSqliteFile()) return
    const client = (payload.db as unknown as { client: ReturnType<typeof createClient> }).client
    const pragma = async (name: string) =>
      Number((await client.execute(`PRAGMA ${name}`)).rows[0][0])
    const before = { cache: await pragma('cache_size'), wal: await pragma('wal_autocheckpoint') }
    const transactions = await openWriteTransactions(payload)
    const id = await createInBatch(transactions, 'batch-checkpoints')
    try {
      const pageSize = await pragma('page_size')
      expect({
        cache: await pragma('cache_size'),
        walBytes: (await pragma('wal_autocheckpoint')) * pageSize,
      }).toEqual({ cache: -32 * 1024, walBytes: 256 * 1024 * 1024 })
    } finally {
      await transactions.commit(id)
      await transactions.close()
    }
    expect({
      cache: await pragma('cache_size'),
      wal: await pragma('wal_autocheckpoint'),
    }).toEqual(before)
    expect(before.wal).toBe(1000)
  })
})

describe('a sink that has read what exists', () => {
  it('holds no lock until it writes: another process can write meanwhile', async () => {
    if (!isSqliteFile()) return
    const sink = chooseSink(payload, { status: 'published', runId: 'lock-test' })
    await sink.prepare()
    const other = createClient({ url: `file:${dbFile}` })
    try {
      // No busy timeout: a held lock fails this at once.
      await other.execute({
        sql: "INSERT INTO categories (name, slug, updated_at, created_at) VALUES ('other-process', 'other-process', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        args: [],
      })
    } finally {
      other.close()
      await sink.finish()
    }
    expect(await seenElsewhere('other-process')).toBe(1)
  })
})

describe("the store's archive-scale reads", () => {
  it("reads with plain SELECTs exactly what the adapter's find reads", async () => {
    if (!isSqliteFile()) return
    const examples = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../examples/archive',
    )
    const report = await runImport({ payload, dir: examples })
    expect(report.summary.created).toBeGreaterThan(5)
    // A post made by hand (no provenance) and one without a version are in it too.
    await payload.create({
      collection: 'posts',
      data: { title: 'By hand', sourceUrl: 'https://by-hand.test/a', _status: 'draft' },
      draft: true,
      overrideAccess: true,
    })
    const id = report.rows.find((r) => r.status === 'created')!.id!
    await payload.db.deleteVersions({ collection: 'posts', where: { parent: { equals: id } } })

    const known = (await knownHashesPlain(payload))!
    const fast = known.hashes
    const slow = await knownContentHashes(payload)
    expect([...fast].sort()).toEqual([...slow].sort())
    // Every imported post but the one without a version; not the post made by hand.
    expect(fast.size).toBe(report.summary.created - 1)

    // What the read knows by URL decides a file as a lookup would, without one: an unchanged file
    // of a post with its version. The version-less post, a changed file and a URL two posts share
    // are looked up.
    const imported = (
      await payload.find({
        collection: 'posts',
        where: { 'provenance.contentHash': { exists: true } },
        limit: 0,
        pagination: false,
        depth: 0,
      })
    ).docs
    const shared = imported.find((p) => p.id !== id)!
    await payload.create({
      collection: 'posts',
      data: { title: 'Same URL, by hand', sourceUrl: shared.sourceUrl, _status: 'draft' },
      draft: true,
      overrideAccess: true,
    })
    const quick = chooseSink(payload, { status: 'published', runId: 'quick' })
    await quick.prepare()
    const looked = chooseSink(payload, { status: 'published', runId: 'looked' })
    await looked.prepare()
    await looked.lookup({ archiveKeys: imported.map((p) => p.sourceUrl!) }, { feedKeys: false })
    for (const p of imported) {
      const [url, hash] = [p.sourceUrl!, p.provenance!.contentHash!]
      const needs = quick.needsLookup(url, hash)
      expect({ id: p.id, needs }).toEqual({ id: p.id, needs: p.id === id || p.id === shared.id })
      expect(quick.needsLookup(url, `${hash}-changed`)).toBe(true)
      if (!needs)
        expect(quick.plan(url, hash)).toEqual({
          action: 'unchanged',
          existing: expect.objectContaining({ id: p.id }),
        })
      if (!needs)
        expect(looked.plan(url, hash)).toMatchObject({
          action: 'unchanged',
          existing: { id: p.id },
        })
    }
    await quick.finish()
    await looked.finish()
    const media = (await readMediaPlain(payload))!
    const viaAdapter = await payload.db.find({
      collection: 'media',
      where: { externalUrl: { exists: true } },
      limit: 0,
      pagination: false,
    })
    expect(media.map((m) => m.id).sort()).toEqual(viaAdapter.docs.map((d) => d.id).sort())
    expect(media.length).toBeGreaterThan(0)

    // The store's lookup by keys: the same posts, fields and latest versions either way, for every
    // kind of key (a post without a version, one made by hand, a key nothing matches).
    const { docs } = await payload.find({
      collection: 'posts',
      limit: 0,
      pagination: false,
      depth: 0,
    })
    const byKey = (d: (typeof docs)[number]) => ({
      archiveKeys: [...docs.map((p) => p.sourceUrl ?? ''), 'https://nothing.test/'],
      matchKeys: [d.provenance?.matchUrl ?? 'https://nothing.test/'],
      guids: { source: (d.source as number | null) ?? 0, guids: [d.provenance?.guid ?? 'none'] },
    })
    const sorted = (posts: { id: unknown }[]) =>
      [...posts].sort((a, b) => String(a.id).localeCompare(String(b.id)))
    for (const withText of [false, true]) {
      const keys = byKey(docs[0])
      const plain = await lookupPosts(payload, keys, { withText })
      const adapter = await lookupPosts(payload, keys, { withText, viaAdapter: true })
      expect(sorted(plain)).toEqual(sorted(adapter))
      expect(plain.length).toBe(docs.length)
      expect(plain.some((p) => p.versionUpdatedAt === undefined)).toBe(true)
    }

    // An archive file's lookup leaves out the feed keys (the rows' last columns, after the source
    // document): the same posts and fields otherwise.
    await payload.db.updateOne({
      collection: 'posts',
      id: docs[0].id,
      data: { provenance: { ...docs[0].provenance, matchUrl: 'news.example.test/a', guid: 'g-1' } },
      returning: false,
    })
    const archiveKeys = byKey(docs[0]).archiveKeys
    const lean = await lookupPosts(payload, { archiveKeys }, { feedKeys: false })
    const full = await lookupPosts(payload, { archiveKeys }, { viaAdapter: true })
    expect(full.find((p) => p.id === docs[0].id)).toMatchObject({ urlKey: 'news.example.test/a' })
    expect(sorted(lean)).toEqual(
      sorted(full).map((p) => ({ ...p, urlKey: undefined, guid: undefined })),
    )
  })
})
