import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { onPostgres, sharedDatabase } from '../helpers/database'

/**
 * `kill -9` in the middle of an import, several times at seeded random points, then a run to the
 * end: nothing is missing and nothing is half-written. The CLI (`npm run import`) runs as a child
 * process, as a user runs it, on an SQLite file, or on the PostgreSQL leg of `npm test` on this test
 * file's own database (the bulk sink on either), read back by a connection of the test's own.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const EXAMPLES = path.join(root, 'examples/archive')
const COPIES = 150
const KILLS = 3

/** mulberry32: the kill points are random but the same on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

let tmp: string
let dir: string
let dbUri: string
/** One value of the first row of a query, on a connection of the test's own. */
let scalar: (sql: string) => Promise<unknown>
let close: () => Promise<void> | void
let files = 0

/** node-postgres as @payloadcms/db-postgres has it (not a dependency of this project itself). */
type PgClient = {
  connect: () => Promise<void>
  query: (q: { text: string; rowMode: 'array' }) => Promise<{ rows: unknown[][] }>
  end: () => Promise<void>
}
const pg = createRequire(import.meta.url)('pg') as {
  Client: new (options: { connectionString: string }) => PgClient
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'import-crash-'))
  dir = path.join(tmp, 'archive')
  dbUri = sharedDatabase(path.join(tmp, 'crash.db'))
  // COPIES copies of the example archive, each on hosts of its own: distinct posts, media, authors.
  const examples = fs
    .readdirSync(EXAMPLES, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(EXAMPLES, path.join(e.parentPath, e.name)))
  for (let i = 0; i < COPIES; i++) {
    for (const rel of examples) {
      const text = fs.readFileSync(path.join(EXAMPLES, rel), 'utf8')
      const out = path.join(dir, `copy-${i}`, rel)
      fs.mkdirSync(path.dirname(out), { recursive: true })
      fs.writeFileSync(out, text.replace(/example\.(org|com)/gi, `c${i}.$1.test`))
      files++
    }
  }
})
beforeAll(async () => {
  if (onPostgres()) {
    const client = new pg.Client({ connectionString: dbUri })
    await client.connect()
    scalar = async (sql) => (await client.query({ text: sql, rowMode: 'array' })).rows[0]?.[0]
    close = () => client.end()
  } else {
    // A connection per question: the CLI, another process, creates, migrates and analyses the file
    // while this test waits, and a connection kept open meanwhile can meet that mid-statement
    // ("database schema has changed").
    scalar = async (sql) => {
      const client = createClient({ url: `file:${dbUri}` })
      try {
        // The CLI may be writing: wait for its lock as the app's own connections do (5 s).
        await client.execute('PRAGMA busy_timeout = 5000')
        return (await client.execute(sql)).rows[0]?.[0]
      } finally {
        client.close()
      }
    }
    close = () => undefined
  }
})
afterAll(async () => {
  await close?.()
  fs.rmSync(tmp, { recursive: true, force: true })
})

/** `npm run import` as a child in a process group of its own (so kill -9 reaches tsx's child too). */
const startImport = (report: string): ChildProcess =>
  spawn(
    process.execPath,
    [
      path.join(root, 'node_modules/tsx/dist/cli.mjs'),
      'src/cli/import.ts',
      dir,
      '--report',
      report,
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URI: dbUri,
        PAYLOAD_SECRET: 'crash-test',
        NODE_ENV: 'test',
        NODE_OPTIONS: '',
      },
    },
  )

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

const count = async (sql: string): Promise<number> => {
  try {
    return Number((await scalar(sql)) ?? 0)
  } catch (err) {
    // Before the child's migrations made the table (SQLite: no such table; PostgreSQL: 42P01).
    if (/no such table/.test((err as Error).message) || (err as { code?: string }).code === '42P01')
      return 0
    throw err
  }
}

/** Polls until `done` or the child exits; bounded. */
const until = async (child: ChildProcess, done: () => Promise<boolean>, boundMs = 120_000) => {
  const end = Date.now() + boundMs
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    if (await done()) return true
    await new Promise((r) => setImmediate(r))
  }
  throw new Error(`no progress within ${boundMs} ms`)
}

describe('an import killed with SIGKILL', () => {
  it('completes on the next run: posts = latest versions = distinct URLs, one report row per file', async () => {
    const next = random(12)
    const kills: number[] = []
    for (let k = 0; k < KILLS; k++) {
      const child = startImport(path.join(tmp, `report-${k}.json`))
      const stored = await count('SELECT count(*) FROM posts')
      // Somewhere in what is left to write.
      const target = stored + 1 + Math.floor(next() * (files * 0.8 - stored))
      const reached = await until(
        child,
        async () => (await count('SELECT count(*) FROM posts')) >= target,
      )
      if (reached) process.kill(-child.pid!, 'SIGKILL')
      await exited(child)
      kills.push(await count('SELECT count(*) FROM posts'))
    }
    // The kills landed before the end.
    expect(kills[kills.length - 1]).toBeLessThan(files)

    const report = path.join(tmp, 'report-final.json')
    const child = startImport(report)
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += String(d)))
    expect({ code: await exited(child), stderr: stderr.slice(-2000) }).toMatchObject({ code: 0 })

    const final = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      summary: Record<string, number> & { sink: string }
      rows: { status: string; sourceUrl?: string }[]
    }
    expect(final.rows).toHaveLength(files)
    expect(final.summary.failed).toBe(0)
    expect(final.summary.sink).toBe('bulk')
    const urls = new Set(
      final.rows.filter((r) => r.status !== 'duplicate' && r.sourceUrl).map((r) => r.sourceUrl),
    )
    const posts = await count('SELECT count(*) FROM posts')
    // `latest` is an integer on SQLite, a boolean on PostgreSQL: true either way.
    const latest = await count('SELECT count(*) FROM _posts_v WHERE latest')
    const postsWithLatest = await count(
      'SELECT count(DISTINCT parent_id) FROM _posts_v WHERE latest',
    )
    const distinct = await count('SELECT count(DISTINCT source_url) FROM posts')
    // The killed runs' drafts (spilled to a temporary folder) are gone.
    const spills = fs
      .readdirSync(os.tmpdir())
      .filter((n) => n.startsWith('newsroom-import-drafts-'))
      .map((n) => Number(n.split('-')[3]))
      .filter((pid) => {
        try {
          process.kill(pid, 0)
          return false
        } catch {
          return true
        }
      })
    expect(spills).toEqual([])
    expect({ posts, latest, postsWithLatest, distinct }).toEqual({
      posts: urls.size,
      latest: urls.size,
      postsWithLatest: urls.size,
      distinct: urls.size,
    })
    // The run that completed the import gave the planner statistics for what it wrote (ANALYZE).
    const analyzed = onPostgres()
      ? await count(
          "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'posts' AND last_analyze IS NOT NULL",
        )
      : await count("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'posts'")
    expect(analyzed).toBeGreaterThan(0)
  }, 600_000)
})
