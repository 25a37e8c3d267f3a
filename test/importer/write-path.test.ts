import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Payload } from 'payload'

import { approvalFingerprint } from '../../collections/Posts/approval'
import { runImport, type ImportReport } from '../../src/importer'
import { recordProgress, runTrackedImport, STALE_RUN_MS } from '../../src/importer/task'
import { onPostgres } from '../helpers/database'
import { bootPayload, createUser } from '../helpers/payload'

/**
 * The importer's write path (src/store) against what people do between runs: a dry run
 * before a re-import, a writer's own post at an article's URL, an editor's change to an imported
 * post, and a post an interrupted run left without its version.
 */

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)
const MARKETS = '_posts/2025-03-13-Markets close higher.md'
const LIBRARY = '_posts/2025-03-04-城市图书馆夜间开放试点启动.md'

/** A copy of the example archive whose URLs are on `host`, so each test has posts of its own. */
const copyArchive = (host: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-path-'))
  fs.cpSync(EXAMPLES, dir, { recursive: true })
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue
    const file = path.join(e.parentPath, e.name)
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/example\.(org|com)/gi, host))
  }
  return dir
}

const edit = (dir: string, file: string, from: string | RegExp, to: string) => {
  const full = path.join(dir, file)
  const before = fs.readFileSync(full, 'utf8')
  const after = before.replace(from, to)
  expect(after).not.toBe(before)
  fs.writeFileSync(full, after)
}

const rowOf = (report: ImportReport, file: string) => {
  const row = report.rows.find((r) => r.file === file)
  if (!row) throw new Error(`no report row for ${file}`)
  return row
}

let payload: Payload
const dirs: string[] = []
beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  await payload.destroy()
})
afterEach(() => {
  jest.useRealTimers()
})

const archive = (host: string) => {
  const dir = copyArchive(host)
  dirs.push(dir)
  return dir
}

const totals = async () => ({
  posts: (await payload.count({ collection: 'posts', overrideAccess: true })).totalDocs,
  versions: (await payload.countVersions({ collection: 'posts', overrideAccess: true })).totalDocs,
  media: (await payload.count({ collection: 'media', overrideAccess: true })).totalDocs,
  authors: (await payload.count({ collection: 'authors', overrideAccess: true })).totalDocs,
})

/** Moves Payload's clock (Date only) forward, as time passing between an import and an edit. */
const later = (ms: number) => {
  jest.useFakeTimers({
    now: Date.now() + ms,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  })
}

describe('a dry run', () => {
  it('reports per file exactly what the real run then does, and writes nothing', async () => {
    const dir = archive('dry-run.test')
    await runImport({ payload, dir })
    // Between runs: one file edited, one new file, one URL taken by a writer's own post.
    edit(dir, MARKETS, 'Stocks closed higher', 'Stocks closed sharply higher')
    const added = '_posts/2025-03-20-A new story.md'
    const marketsFile = fs.readFileSync(path.join(dir, MARKETS), 'utf8')
    fs.writeFileSync(path.join(dir, added), marketsFile.replace(/markets\.html/g, 'new-story.html'))
    const taken = '_posts/2025-03-21-Taken.md'
    fs.writeFileSync(path.join(dir, taken), marketsFile.replace(/markets\.html/g, 'taken.html'))
    await payload.create({
      collection: 'posts',
      data: {
        title: 'Written here',
        sourceUrl: 'https://news.dry-run.test/business/2025/03/taken.html',
        _status: 'draft',
      },
      draft: true,
      overrideAccess: true,
    })
    const before = await totals()

    const dry = await runImport({ payload, dir, dryRun: true })
    expect(await totals()).toEqual(before)

    const real = await runImport({ payload, dir })
    const outcome = (r: ImportReport) =>
      r.rows.map(({ file, status, id, reason }) => ({
        file,
        status,
        // A dry run has no id for a post it would create.
        id: status === 'created' ? undefined : id,
        reason,
      }))
    expect(outcome(dry)).toEqual(outcome(real))
    expect(dry.summary).toMatchObject({
      dryRun: true,
      sink: 'dry-run',
      created: 1,
      updated: 1,
      conflict: 1,
    })
    expect(dry.summary.unchanged).toBeGreaterThan(3)
    expect(rowOf(dry, added).status).toBe('created')
    expect(rowOf(dry, MARKETS).status).toBe('updated')
    expect(rowOf(dry, LIBRARY).status).toBe('unchanged')
    expect(rowOf(dry, taken).status).toBe('conflict')
  })
})

describe('posts the importer did not make', () => {
  it("a writer's post at an article's URL is a conflict: never overwritten or published", async () => {
    const dir = archive('writer-first.test')
    const probe = await runImport({ payload, dir, dryRun: true })
    const url = rowOf(probe, LIBRARY).sourceUrl!
    const writer = await createUser(payload, 'writer')
    const own = await payload.create({
      collection: 'posts',
      data: { title: 'My own take on the library', sourceUrl: url, _status: 'draft' },
      draft: true,
      user: writer,
      overrideAccess: false,
    })
    const versionsBefore = (await totals()).versions

    const report = await runImport({ payload, dir, status: 'published' })
    const row = rowOf(report, LIBRARY)
    expect(row.status).toBe('conflict')
    expect(row.id).toBe(own.id)
    expect(row.reason).toContain(`post ${own.id}`)
    expect(report.summary.conflict).toBe(1)
    expect(report.created.posts).not.toContain(own.id)

    const after = await payload.findByID({
      collection: 'posts',
      id: own.id,
      draft: true,
      overrideAccess: true,
    })
    expect(after.title).toBe('My own take on the library')
    expect(after._status).toBe('draft')
    expect(after.provenance?.importRun ?? null).toBeNull()
    const ownVersions = await payload.countVersions({
      collection: 'posts',
      where: { parent: { equals: own.id } },
      overrideAccess: true,
    })
    expect(ownVersions.totalDocs).toBe(1)
    // Only the other files' posts were written (one version each).
    expect((await totals()).versions - versionsBefore).toBe(report.summary.created)
  })

  it('an imported post that staff edited since is a conflict when its file changes; the edit stays', async () => {
    const dir = archive('staff-edit.test')
    const first = await runImport({ payload, dir })
    const marketsId = rowOf(first, MARKETS).id!
    const libraryId = rowOf(first, LIBRARY).id!

    later(60_000)
    const editor = await createUser(payload, 'editor')
    await payload.update({
      collection: 'posts',
      id: marketsId,
      data: { title: 'Markets close higher (corrected)' },
      user: editor,
      overrideAccess: false,
    })
    // A draft of a change to a published post: saved as a version only.
    await payload.update({
      collection: 'posts',
      id: libraryId,
      data: { title: '图书馆夜间开放（编辑草稿）' },
      draft: true,
      user: editor,
      overrideAccess: false,
    })
    jest.useRealTimers()

    // Unchanged files stay unchanged, edited or not: the importer would write nothing.
    const again = await runImport({ payload, dir })
    expect(rowOf(again, MARKETS).status).toBe('unchanged')

    edit(dir, MARKETS, 'Stocks closed higher', 'Stocks closed much higher')
    edit(dir, LIBRARY, /<\/p>/, '（更新）</p>')
    const report = await runImport({ payload, dir })
    for (const [file, id] of [
      [MARKETS, marketsId],
      [LIBRARY, libraryId],
    ] as const) {
      const row = rowOf(report, file)
      expect({ file, status: row.status, id: row.id }).toEqual({ file, status: 'conflict', id })
      expect(row.reason).toContain('edited after its import')
    }
    const markets = await payload.findByID({ collection: 'posts', id: marketsId, draft: true })
    expect(markets.title).toBe('Markets close higher (corrected)')
    expect(markets.contentHtml).not.toContain('much higher')
    const library = await payload.findByID({ collection: 'posts', id: libraryId, draft: true })
    expect(library.title).toBe('图书馆夜间开放（编辑草稿）')
  })
})

describe('the approval lock (collections/Posts/hooks/lockApprovedContent.ts)', () => {
  // The bulk and adapter sinks skip Payload's hooks (the bulk one on SQLite and PostgreSQL alike).
  for (const sink of ['bulk', 'adapter', 'local-api'] as const) {
    it(`a post the import publishes (${sink}) carries the approval of what it wrote, also after a re-import of its changed file`, async () => {
      const dir = archive(`approval-${sink}.test`)
      const first = await runImport({ payload, dir, sink })
      const id = rowOf(first, MARKETS).id!
      const approved = async () => {
        const post = await payload.findByID({ collection: 'posts', id, overrideAccess: true })
        expect(post.editorialState).toBe('approved')
        return { stored: post.approvedFingerprint, of: approvalFingerprint(post) }
      }
      const before = await approved()
      expect(before.stored).toBe(before.of)

      edit(dir, MARKETS, 'Stocks closed higher', 'Stocks closed much higher')
      const again = await runImport({ payload, dir, sink })
      expect(rowOf(again, MARKETS).status).toBe('updated')
      const after = await approved()
      expect(after.stored).toBe(after.of)
      expect(after.stored).not.toBe(before.stored)
    })
  }

  it("an imported draft an editor approved is left alone when its file changes: the editor's approval stands", async () => {
    const dir = archive('approved-draft.test')
    const first = await runImport({ payload, dir, status: 'draft' })
    const id = rowOf(first, MARKETS).id!
    const editor = await createUser(payload, 'editor')
    for (const editorialState of ['in_review', 'approved'] as const) {
      later(60_000)
      await payload.update({
        collection: 'posts',
        id,
        data: { editorialState },
        user: editor,
        overrideAccess: false,
      })
    }
    jest.useRealTimers()
    const approvedPost = await payload.findByID({ collection: 'posts', id, draft: true })
    expect(approvedPost.editorialState).toBe('approved')

    edit(dir, MARKETS, 'Stocks closed higher', 'Stocks closed much higher')
    const report = await runImport({ payload, dir, status: 'draft' })
    expect(rowOf(report, MARKETS)).toMatchObject({ status: 'conflict', id })
    const post = await payload.findByID({ collection: 'posts', id, draft: true })
    expect(post.editorialState).toBe('approved')
    expect(post.approvedFingerprint).toBe(approvedPost.approvedFingerprint)
    expect(post.contentHtml).not.toContain('much higher')
  })
})

describe('a post an interrupted run left without its version', () => {
  it('is rewritten with a version by the next run', async () => {
    const dir = archive('versionless.test')
    const first = await runImport({ payload, dir })
    const id = rowOf(first, MARKETS).id!
    // What a crash between the two writes left behind before batches were transactions.
    await payload.db.deleteVersions({ collection: 'posts', where: { parent: { equals: id } } })

    const again = await runImport({ payload, dir })
    const row = rowOf(again, MARKETS)
    expect(row.status).toBe('updated')
    expect(row.id).toBe(id)
    expect(row.reason).toMatch(/repaired.*no version/)
    const latest = await payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: id }, latest: { equals: true } },
      overrideAccess: true,
    })
    expect(latest.totalDocs).toBe(1)
    expect(again.summary.updated).toBe(1)
  })
})

describe('the work done per file', () => {
  it('reads each archive file once, on a first import and on a re-import', async () => {
    const dir = archive('read-once.test')
    const files = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).length
    const reads = new Map<string, number>()
    // Every read of an archive file opens it (src/importer/read.ts, readArchiveEntry).
    const spy = jest.spyOn(fs, 'openSync')
    try {
      for (const run of ['first', 'again'] as const) {
        reads.clear()
        spy.mockClear()
        const report = await runImport({ payload, dir })
        for (const [file] of spy.mock.calls) {
          const name = String(file)
          if (name.startsWith(dir)) reads.set(name, (reads.get(name) ?? 0) + 1)
        }
        expect({ run, files: reads.size, most: Math.max(...reads.values()) }).toEqual({
          run,
          files,
          most: 1,
        })
        expect(report.rows).toHaveLength(files)
      }
    } finally {
      spy.mockRestore()
    }
  })
})

describe('an import run whose process died', () => {
  it('is closed as failed by the next run; a run still reporting progress is left alone', async () => {
    const dir = archive('abandoned.test')
    const running = async (silentFor: number) => {
      const run = await payload.create({
        collection: 'import-runs',
        data: { status: 'running', archiveDir: dir, startedAt: new Date().toISOString() },
        overrideAccess: true,
      })
      await payload.db.updateOne({
        collection: 'import-runs',
        id: run.id,
        data: { updatedAt: new Date(Date.now() - silentFor).toISOString() },
      })
      return run.id
    }
    const dead = await running(STALE_RUN_MS + 60_000)
    const alive = await running(5_000)

    const { importRunId } = await runTrackedImport({ payload, dir })
    const read = (id: number | string) =>
      payload.findByID({ collection: 'import-runs', id, overrideAccess: true })
    expect(await read(dead)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^interrupted: no progress since/),
    })
    expect((await read(alive)).status).toBe('running')
    const done = await read(importRunId)
    expect(done.status).toBe('completed')
    expect(done.summary).toMatchObject({ conflict: 0, sink: expect.any(String) })
  })
})

describe('an import run', () => {
  it('ends completed even when a progress write lands after the run finished', async () => {
    const dir = archive('late-progress.test')
    // A pooled database (PostgreSQL) can finish a progress write after the final one; force that
    // order by holding every progress write back for a moment.
    const updateOne = payload.db.updateOne.bind(payload.db)
    const spy = jest.spyOn(payload.db, 'updateOne').mockImplementation(async (args) => {
      const data = args.data as { progress?: unknown; status?: string }
      if (args.collection === 'import-runs' && data.progress && data.status !== 'completed')
        await new Promise((resolve) => setTimeout(resolve, 300))
      return updateOne(args)
    })
    try {
      const { importRunId } = await runTrackedImport({ payload, dir })
      // Any write still held back lands within its 300 ms: wait past it, then read.
      await new Promise((resolve) => setTimeout(resolve, 600))
      const run = await payload.findByID({
        collection: 'import-runs',
        id: importRunId,
        overrideAccess: true,
      })
      expect(run.status).toBe('completed')
      const { files } = run.summary as { files: number }
      expect(run.progress).toMatchObject({ done: files, total: files })
    } finally {
      spy.mockRestore()
    }
  })

  it('takes no progress write once it has ended', async () => {
    const run = await payload.create({
      collection: 'import-runs',
      data: { status: 'completed', archiveDir: '/archive', startedAt: new Date().toISOString() },
      overrideAccess: true,
    })
    expect(await recordProgress(payload, run.id, 1, 2)).toBe(false)
    const after = await payload.findByID({
      collection: 'import-runs',
      id: run.id,
      overrideAccess: true,
    })
    expect(after.status).toBe('completed')
    expect(after.progress?.done ?? null).toBeNull()
  })
})

describe('a failed write in a batch', () => {
  it('fails that post alone: the batch keeps the other posts, also where a failed statement aborts the transaction (PostgreSQL)', async () => {
    const dir = archive('failed-write.test')
    const first = await runImport({ payload, dir })
    expect(first.summary.failed).toBe(0)
    const marketsId = rowOf(first, MARKETS).id!
    edit(dir, MARKETS, 'Stocks closed higher', 'Stocks closed a little higher')
    edit(dir, LIBRARY, /title: .*/, 'title: 图书馆夜间开放（修订）')

    // Markets' update fails in the database, on the batch's own connection: on PostgreSQL that
    // aborts the transaction, on SQLite the transaction goes on.
    const db = payload.db as unknown as Record<string, (...a: unknown[]) => Promise<unknown>> & {
      name: string
      sessions: Record<string, { db: Record<string, (q: unknown) => Promise<unknown>> }>
    }
    const updateOne = db.updateOne
    const { sql } = await import('drizzle-orm')
    db.updateOne = async function (this: unknown, ...a: unknown[]) {
      const args = a[0] as { id: unknown; req?: { transactionID?: string | number } }
      if (String(args.id) === String(marketsId)) {
        const session = db.sessions[String(args.req?.transactionID)]
        expect(session).toBeDefined()
        const failing = sql`select * from "no_such_table"`
        await (db.name === 'postgres' ? session.db.execute(failing) : session.db.run(failing))
        throw new Error('the update should have failed')
      }
      return updateOne.apply(this, a)
    }
    let again: ImportReport
    try {
      again = await runImport({ payload, dir })
    } finally {
      db.updateOne = updateOne
    }
    expect(again.summary.sink).toBe('bulk')
    expect(rowOf(again, MARKETS).status).toBe('failed')
    expect(rowOf(again, LIBRARY).status).toBe('updated')
    expect(again.summary.failed).toBe(1)
    const library = await payload.findByID({
      collection: 'posts',
      id: rowOf(again, LIBRARY).id!,
      draft: true,
      overrideAccess: true,
    })
    expect(library.title).toBe('图书馆夜间开放（修订）')
    const markets = await payload.findByID({ collection: 'posts', id: marketsId, draft: true })
    expect(markets.contentHtml).not.toContain('a little higher')
  })
})

describe('a batch the database refuses', () => {
  /** Makes the database refuse new posts titled `title`, as a constraint would (a trigger). */
  const refuseTitle = async (title: string) => {
    const db = payload.db as unknown as {
      drizzle: {
        run?: (q: unknown) => Promise<unknown>
        execute?: (q: unknown) => Promise<unknown>
      }
    }
    const { sql } = await import('@payloadcms/db-sqlite')
    if (onPostgres()) {
      await db.drizzle.execute!(
        sql.raw(`CREATE OR REPLACE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN
          IF NEW.title = '${title}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`),
      )
      await db.drizzle.execute!(
        sql.raw(
          `CREATE TRIGGER refuse_title BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION refuse_title()`,
        ),
      )
      return () => db.drizzle.execute!(sql.raw('DROP TRIGGER refuse_title ON posts'))
    }
    await db.drizzle.run!(
      sql.raw(`CREATE TRIGGER refuse_title BEFORE INSERT ON posts WHEN NEW.title = '${title}'
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`),
    )
    return () => db.drizzle.run!(sql.raw('DROP TRIGGER refuse_title'))
  }

  it('reports each file it lost as failed (none as created), leaves nothing half-written, and the next run creates them', async () => {
    const dir = archive('refused-batch.example')
    const before = await totals()
    const lift = await refuseTitle('Markets close higher')
    let first: ImportReport
    try {
      first = await runImport({ payload, dir, sink: 'bulk' })
    } finally {
      await lift()
    }
    const after = await totals()
    const created = first.rows.filter((r) => r.status === 'created')
    // Every file reported created is a post readers and editors can find, with its version.
    expect(after.posts - before.posts).toBe(created.length)
    expect(after.versions - before.versions).toBe(created.length)
    for (const row of created) {
      const { totalDocs } = await payload.count({
        collection: 'posts',
        where: { sourceUrl: { equals: row.sourceUrl } },
        overrideAccess: true,
      })
      expect({ file: row.file, posts: totalDocs }).toEqual({ file: row.file, posts: 1 })
    }
    expect(rowOf(first, MARKETS)).toMatchObject({ status: 'failed' })
    expect(rowOf(first, MARKETS).reason).toMatch(/refused by the test/)

    const second = await runImport({ payload, dir, sink: 'bulk' })
    expect(rowOf(second, MARKETS).status).toBe('created')
    expect(second.rows.filter((r) => r.status === 'failed')).toEqual([])
    expect(second.summary.created).toBe(
      first.summary.files - first.summary.created - first.summary.duplicate,
    )
  })
})
