// `npm run bench:import`: the importer on the whole 64k archive, into a fresh SQLite file (or, with
// DATABASE_URI=postgres://..., a fresh database made on that server and dropped after), with a
// profile of where the time went; an unchanged re-import; an import killed with SIGKILL part-way
// (the CLI as a child, on another fresh file) and the re-import that completes it, checked for
// anything missing; then Payload's own path (YAML + convertHTMLToLexical with JSDOM + payload.create
// as drafts) on the first 1,000 files, and the ratio. Not a test: it prints figures.
// BENCH_FILES=N imports only the archive's first N files; BENCH_SINK=local-api|adapter|bulk picks the
// write path (default: the store's choice, `bulk` on SQLite and PostgreSQL); BENCH_PAYLOAD_PATH=false
// skips Payload's own path, BENCH_REIMPORT=false the unchanged re-import; BENCH_ARCHIVE_DIR names the archive already unpacked (read only).
import '../src/preload'

import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const corpus = process.env.CORPUS_DIR ?? path.resolve(root, '../shared/corpus')
const archive = path.join(corpus, 'archive-64k.tar.xz')
if (!fs.existsSync(archive)) {
  process.stderr.write(`bench:import: ${archive} not found (set CORPUS_DIR).\n`)
  process.exit(2)
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-import-'))
const dbFile = path.join(tmp, 'bench.db')
// DATABASE_URI=postgres://... benchmarks PostgreSQL, in a fresh database on that server (made in
// main, dropped at the end); anything else a fresh SQLite file.
const pgServer = process.env.DATABASE_URI ?? ''
const onPostgres = /^postgres(ql)?:\/\//i.test(pgServer)
const pgDatabase = `bench_import_${Date.now().toString(36)}_${process.pid}`
if (!onPostgres) process.env.DATABASE_URI = dbFile
const sinkKind = (process.env.BENCH_SINK || undefined) as
  'local-api' | 'adapter' | 'bulk' | undefined
if (sinkKind && !['local-api', 'adapter', 'bulk'].includes(sinkKind)) {
  process.stderr.write(`bench:import: BENCH_SINK must be local-api, adapter or bulk.\n`)
  process.exit(2)
}
const fileLimit = Number(process.env.BENCH_FILES || 0)

/** One statement on the PostgreSQL server's maintenance database (to make or drop the bench's own). */
const onPgServer = async (statement: string) => {
  // node-postgres as @payloadcms/db-postgres has it (not a dependency of this project itself).
  const pg = createRequire(import.meta.url)('pg') as {
    Client: new (options: { connectionString: string }) => {
      connect: () => Promise<void>
      query: (text: string) => Promise<unknown>
      end: () => Promise<void>
    }
  }
  const url = new URL(pgServer)
  url.pathname = '/postgres'
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
process.env.PAYLOAD_SECRET ??= 'bench-secret'
delete process.env.ARCHIVE_DIR

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`
const peakRss = () => process.resourceUsage().maxRSS

const main = async () => {
  process.stdout.write(
    `${process.env.BENCH_ARCHIVE_DIR ? `archive unpacked at ${process.env.BENCH_ARCHIVE_DIR}` : `unpacking ${archive} into ${tmp} ...`}\n`,
  )
  // The archive gets a folder of its own: the database and report beside it are not archive files.
  // BENCH_ARCHIVE_DIR: the archive already unpacked there (read only: a subset is copied out).
  const given = process.env.BENCH_ARCHIVE_DIR
  const unpacked = given ? path.resolve(given) : path.join(tmp, 'archive')
  if (!given) {
    fs.mkdirSync(unpacked)
    execFileSync('tar', ['-xJf', archive, '-C', unpacked])
  }
  const { listArchiveFiles } = await import('../src/importer/read')
  let dir = unpacked
  if (fileLimit > 0) {
    // The first N files (in the importer's order), in a folder of their own.
    dir = path.join(tmp, 'subset')
    for (const rel of listArchiveFiles(unpacked).slice(0, fileLimit)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
      fs.copyFileSync(path.join(unpacked, rel), path.join(dir, rel))
    }
  }
  if (onPostgres) {
    await onPgServer(`CREATE DATABASE "${pgDatabase}"`)
    const url = new URL(pgServer)
    url.pathname = `/${pgDatabase}`
    process.env.DATABASE_URI = url.toString()
    process.stdout.write(`PostgreSQL: fresh database ${pgDatabase} on ${url.host}\n`)
  }
  // The unpacked files on disk before the clock starts: the import reads an archive that is there,
  // and does not share the disk with the write-back of the unpacking (half a gigabyte).
  execFileSync('sync')

  const { getPayload } = await import('payload')
  const { default: config } = await import('../payload.config')
  const { runImport } = await import('../src/importer')
  const payload = await getPayload({ config })

  const line = (label: string, r: Awaited<ReturnType<typeof runImport>>, ms: number) => {
    const s = r.summary
    const posts = s.created + s.updated + s.unchanged
    process.stdout.write(
      `${label} [${payload.db.name}, sink ${s.sink}]: files ${s.files}, posts ${posts} (created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}, duplicate ${s.duplicate}, failed ${s.failed}), ` +
        `wall ${(ms / 1000).toFixed(1)} s, ${(posts / (ms / 1000)).toFixed(0)} posts/s, peak RSS ${mb(peakRss())}\n`,
    )
    return posts / (ms / 1000)
  }

  // Threads that read and transform (then the main one writes): 2 on a 2-core machine (BENCH_CONCURRENCY).
  const concurrency = Number(process.env.BENCH_CONCURRENCY || 2)
  let t0 = Date.now()
  // BENCH_IMPORTER=false times Payload's own path only (with BENCH_IMPORTER_RATE for the ratio).
  let firstRate = Number(process.env.BENCH_IMPORTER_RATE || 0)
  if (process.env.BENCH_IMPORTER !== 'false') {
    const first = await runImport({
      payload,
      dir,
      concurrency,
      sink: sinkKind,
      onProgress: progressLine(),
    })
    firstRate = line('import', first, Date.now() - t0)
    printProfile(first.profile, first.summary.files)
    fs.writeFileSync(path.join(tmp, 'report.json'), JSON.stringify(first))

    t0 = Date.now()
    if (process.env.BENCH_REIMPORT === 'false') return finish(payload, firstRate, dir)
    const again = await runImport({
      payload,
      dir,
      concurrency,
      sink: sinkKind,
      onProgress: progressLine(),
    })
    line('re-import (unchanged)', again, Date.now() - t0)
    printProfile(again.profile, again.summary.files)

    if (onPostgres)
      process.stdout.write('crash and resume: not run on PostgreSQL (it checks an SQLite file)\n')
    else if (process.env.BENCH_CRASH !== 'false') await crashAndResume(dir, concurrency)
  }

  await finish(payload, firstRate, dir)
}

/** Payload's own path (unless BENCH_PAYLOAD_PATH=false), then the bench's database and files go. */
const finish = async (
  payload: Awaited<ReturnType<typeof import('payload').getPayload>>,
  firstRate: number,
  dir?: string,
) => {
  if (dir && process.env.BENCH_PAYLOAD_PATH !== 'false') await payloadPath(payload, dir, firstRate)
  await payload.destroy()
  if (onPostgres) await onPgServer(`DROP DATABASE IF EXISTS "${pgDatabase}" WITH (FORCE)`)
  fs.rmSync(tmp, { recursive: true, force: true })
}

/** Payload's own path on the first 1,000 files, as drafts (published, most would fail validation). */
const payloadPath = async (
  payload: Awaited<ReturnType<typeof import('payload').getPayload>>,
  dir: string,
  firstRate: number,
) => {
  const { listArchiveFiles } = await import('../src/importer/read')
  const { convertHTMLToLexical, editorConfigFactory } = await import('@payloadcms/richtext-lexical')
  const { JSDOM } = await import('jsdom')
  const { parse } = await import('yaml')
  // The posts field's own (sanitized) editor: tables and uploads as the field knows them.
  const contentField = payload.collections.posts.config.flattenedFields.find(
    (f) => f.name === 'content',
  )
  const editorConfig = await editorConfigFactory.fromField({ field: contentField as never })
  const sample = listArchiveFiles(dir).slice(0, 1000)
  const t0 = Date.now()
  let stored = 0
  for (const file of sample) {
    try {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r\n?/g, '\n')
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(raw)
      let fm: Record<string, unknown> = {}
      try {
        fm = m ? ((parse(m[1]) as Record<string, unknown>) ?? {}) : {}
      } catch {
        fm = {}
      }
      const html = (m ? m[2] : raw)
        .replace(/^\s*<!--[^>]*-->\n?/, '')
        .replace(/^\[.*\]\(.*\)\n-{3,}\n/, '')
      const content = convertHTMLToLexical({ editorConfig, html, JSDOM })
      await payload.create({
        collection: 'posts',
        draft: true,
        data: { title: String(fm.title ?? file), content: content as never, _status: 'draft' },
        overrideAccess: true,
      })
      stored++
    } catch {
      // Payload's path refuses some files; the count of stored posts says how many.
    }
    await new Promise((r) => setImmediate(r))
  }
  const payloadMs = Date.now() - t0
  const payloadRate = stored / (payloadMs / 1000)
  process.stdout.write(
    `payload path (first ${sample.length} files, drafts): stored ${stored}, wall ${(payloadMs / 1000).toFixed(1)} s, ${payloadRate.toFixed(1)} posts/s, peak RSS ${mb(peakRss())}\n`,
  )
  process.stdout.write(`ratio importer / payload path: ${(firstRate / payloadRate).toFixed(1)}x\n`)
}

const printProfile = (
  p: Awaited<ReturnType<typeof import('../src/importer').runImport>>['profile'],
  files: number,
) => {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  const per = (ms: number) => `${((ms / files) * 1000).toFixed(0)} µs/file`
  process.stdout.write(
    `  profile: wall: prepare ${s(p.wall.prepare)}, read+parse ${s(p.wall.scan)} on ${p.threads} thread(s), transform+write ${s(p.wall.write)} (transform on ${p.threads} thread(s), write on the main one, overlapped)\n` +
      `  stages (summed over threads): read ${s(p.stages.read)} (${per(p.stages.read)}), parse+hash ${s(p.stages.parse)} (${per(p.stages.parse)}), spill ${s(p.stages.spill)}, unspill ${s(p.stages.unspill)}, ` +
      `transform incl. render+fidelity ${s(p.stages.transform)} (${per(p.stages.transform)}), write ${s(p.stages.write)} (${per(p.stages.write)}), final commit ${s(p.stages.commit)}\n`,
  )
}

/**
 * `npm run import` as a child on a fresh database file, killed with SIGKILL once a third of the posts
 * are stored, then run again to the end: the second run's wall time, and what is in the database.
 */
const crashAndResume = async (dir: string, concurrency: number) => {
  const { createClient } = await import('@libsql/client')
  const crashDb = path.join(tmp, 'crash.db')
  const run = (report: string) =>
    spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/tsx/dist/cli.mjs'),
        // As `npm run import` runs it (package.json).
        '--heap-growing-percent=50',
        'src/cli/import.ts',
        dir,
        '--concurrency',
        String(concurrency),
        '--report',
        report,
      ],
      {
        cwd: root,
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, DATABASE_URI: crashDb, NODE_OPTIONS: '' },
      },
    )
  const exited = (child: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const db = createClient({ url: `file:${crashDb}` })
  const posts = async () => {
    try {
      return Number((await db.execute('SELECT count(*) FROM posts')).rows[0][0])
    } catch {
      return 0
    }
  }
  const child = run(path.join(tmp, 'crash-report-1.json'))
  const gone = exited(child)
  let alive = true
  void gone.then(() => (alive = false))
  while (alive && (await posts()) < 20_000) await new Promise((r) => setTimeout(r, 200))
  if (alive) process.kill(-child.pid!, 'SIGKILL')
  await gone
  const atKill = await posts()
  const t0 = Date.now()
  const resumed = run(path.join(tmp, 'crash-report-2.json'))
  const code = await exited(resumed)
  const ms = Date.now() - t0
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'crash-report-2.json'), 'utf8')) as {
    summary: Record<string, number>
    rows: { status: string; sourceUrl?: string }[]
  }
  const urls = new Set(
    report.rows.filter((r) => r.status !== 'duplicate' && r.sourceUrl).map((r) => r.sourceUrl),
  ).size
  const q = async (sql: string) => Number((await db.execute(sql)).rows[0][0])
  const stored = await q('SELECT count(*) FROM posts')
  const latest = await q('SELECT count(*) FROM _posts_v WHERE latest = 1')
  const versionless = await q(
    // NOT IN, not a correlated NOT EXISTS: without statistics SQLite scans the `latest` index per post.
    'SELECT count(*) FROM posts WHERE id NOT IN (SELECT parent_id FROM _posts_v WHERE latest = 1)',
  )
  const s = report.summary
  process.stdout.write(
    `crash: killed (SIGKILL) with ${atKill} posts stored; the re-run (CLI, exit ${code}) took ${(ms / 1000).toFixed(1)} s incl. start-up: ` +
      `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed; report rows ${report.rows.length} of ${s.files} files; ` +
      `posts ${stored}, latest versions ${latest}, distinct URLs ${urls}, posts without a version ${versionless} ` +
      `-> ${stored === urls && latest === urls && versionless === 0 && report.rows.length === s.files ? 'nothing missing' : 'MISSING OR EXTRA ROWS'}\n`,
  )
  db.close()
}

const progressLine = () => {
  let last = 0
  return (done: number, total: number) => {
    if (Date.now() - last < 15_000 && done < total) return
    last = Date.now()
    process.stderr.write(`  ${done}/${total}\n`)
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
