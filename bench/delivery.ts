// `npm run bench:delivery`: content delivery under load. Builds a large SQLite file database (the
// 64k archive through the importer when src/importer exposes runImport and the corpus is present;
// otherwise synthetic posts, and says so), then starts the real server (startServer on 127.0.0.1,
// admin and crons off) in a child process and drives it with autocannon at 32 connections.
//
// Runs, one server at a time (2 cores: autocannon shares them with the server):
//   plain   Payload as it comes: NEWSROOM_DELIVERY=off (no delivery plugin or middleware, no
//           ANALYZE) on a copy of the database without statistics;
//   ours    the delivery layer as deployed: anonymous reads select the fields readers may see, and
//           responses are cached in process until content changes (src/delivery/freshness.ts;
//           at most DELIVERY_MICROCACHE_SECONDS, 300 s by default on SQLite);
//   ours-nc the delivery layer with the microcache off: the cost of every read going to Payload;
//   plain+  plain Payload again on the analyzed database: the base for our overhead;
//   paired  ours-nc and plain+ side by side, sequential requests alternating between them: the
//           overhead with the machine's other load falling on both alike; for REST also plain+
//           asked (with select) for the same fields ours returns, so the responses are equal.
// Every server runs with the Node flags `npm run serve` uses (SERVER_NODE_FLAGS).
// The rate limit is off in the servers (RATE_LIMIT_PER_MINUTE=0): all load comes from one address.
//
// Environment: CORPUS_DIR (the real archive, default ../shared/corpus), BENCH_POSTS (synthetic posts,
// default 64000), BENCH_DURATION (s per run, default 10), BENCH_CONNECTIONS (default 32),
// BENCH_SOURCE=synthetic|archive, BENCH_REBUILD=1, BENCH_DIR (default data/bench),
// BENCH_ARCHIVE_DIR (the archive already unpacked there, read only), BENCH_FILES=N (the archive's
// first N files only).
//
// PostgreSQL: DATABASE_URI=postgres://user@host:5432/ builds the database in a fresh database made
// on that server (the archive imported into it, then `ANALYZE`, what the delivery layer runs at
// start), serves every run from it, and drops it at the end. No "plain" run there: SQLite keeps no
// statistics until someone runs ANALYZE, but PostgreSQL's autovacuum analyzes a table by itself once
// a tenth of its rows changed (within a minute of an import), so a database without statistics is
// not a state PostgreSQL serves from; plain+ is plain Payload as it comes there. Our compound indexes
// are in both dialects' committed migrations, so neither plain run is without them.
// BENCH_DATABASES="sqlite postgres://user@host:5432/" runs the bench once per database, one after
// the other (a child each), then prints their figures side by side.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import autocannon from 'autocannon'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = path.resolve(process.env.BENCH_DIR ?? path.join(root, 'data/bench'))
const duration = Number(process.env.BENCH_DURATION ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32)
const syntheticCount = Number(process.env.BENCH_POSTS ?? 64000)
// The real archive, as the other benchmarks find it.
const corpus = path.resolve(process.env.CORPUS_DIR ?? path.join(root, '../shared/corpus'))
const archive = path.join(corpus, 'archive-64k.tar.xz')
const archiveDir = process.env.BENCH_ARCHIVE_DIR ? path.resolve(process.env.BENCH_ARCHIVE_DIR) : ''
const fileLimit = Number(process.env.BENCH_FILES || 0)
const log = (line: string) => process.stdout.write(`${line}\n`)
// DATABASE_URI=postgres://... benchmarks PostgreSQL, in a fresh database on that server (made here,
// dropped at the end); anything else SQLite files under BENCH_DIR.
const pgServer = process.env.DATABASE_URI ?? ''
const onPostgres = /^postgres(ql)?:\/\//i.test(pgServer)
const pgDatabase = `bench_delivery_${Date.now().toString(36)}_${process.pid}`
const resultsFile = path.join(
  benchDir,
  onPostgres ? 'delivery-results-postgres.json' : 'delivery-results.json',
)

// NODE_ENV is typed read-only; the bench runs Payload as in production.
;(process.env as Record<string, string>).NODE_ENV = 'production'
process.env.PAYLOAD_SECRET ??= 'bench-secret-not-for-production'
fs.mkdirSync(benchDir, { recursive: true })

// ---------------------------------------------------------------------------------------------------
// The database

type ImporterModule = {
  runImport?: (args: { payload: unknown; dir: string; status?: unknown }) => Promise<unknown>
}

const findImporter = async (): Promise<ImporterModule['runImport'] | undefined> => {
  for (const candidate of [
    'src/importer/index.ts',
    'src/importer/run.ts',
    'src/importer/runImport.ts',
  ]) {
    const file = path.join(root, candidate)
    if (!fs.existsSync(file)) continue
    const mod = (await import(file)) as ImporterModule
    if (typeof mod.runImport === 'function') return mod.runImport
  }
  return undefined
}

const DELIVERY_INDEXES = [
  'CREATE INDEX IF NOT EXISTS `_status_publishedAt_createdAt_idx` ON `posts` (`_status`, `published_at`, `created_at`)',
  'CREATE INDEX IF NOT EXISTS `version__status_version_publishedAt_version_createdAt_idx` ON `_posts_v` (`version__status`, `version_published_at`, `version_created_at`)',
  'CREATE INDEX IF NOT EXISTS `source__status_publishedAt_createdAt_idx` ON `posts` (`source_id`, `_status`, `published_at`, `created_at`)',
]

const removeDb = (file: string) => {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    fs.rmSync(`${file}${suffix}`, { force: true })
}

const plainBaseOf = (file: string) => file.replace(/\.db$/, '-plain.db')

/** What the database is built from: the archive through the importer, or synthetic posts. */
const chooseSource = async () => {
  const wanted = process.env.BENCH_SOURCE
  const runImport = wanted === 'synthetic' ? undefined : await findImporter()
  const useArchive =
    Boolean(runImport) && (archiveDir ? fs.existsSync(archiveDir) : fs.existsSync(archive))
  if (wanted === 'archive' && !useArchive) {
    throw new Error(
      `BENCH_SOURCE=archive, but ${runImport ? `${archiveDir || archive} is missing` : 'src/importer exposes no runImport yet'}.`,
    )
  }
  const files = fileLimit > 0 ? `the first ${fileLimit} files of ` : ''
  const description = useArchive
    ? `${files}the 64k archive (${archiveDir || archive}) imported with src/importer runImport`
    : `${syntheticCount} synthetic posts (${runImport ? 'forced by BENCH_SOURCE' : 'src/importer has no runImport yet'}; see bench/syntheticPosts.ts)`
  return { runImport, useArchive, description }
}

/**
 * The archive as a folder to import: BENCH_ARCHIVE_DIR as it is, or unpacked into a temporary one;
 * with BENCH_FILES, its first N files copied into one. `done` removes what was made here.
 */
const archiveFolder = async (): Promise<{ dir: string; done: () => void }> => {
  let unpacked = archiveDir
  const made: string[] = []
  if (!unpacked) {
    unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-archive-'))
    made.push(unpacked)
    const tar = spawnSync('tar', ['-xJf', archive, '-C', unpacked], { stdio: 'inherit' })
    if (tar.status !== 0) throw new Error(`tar could not extract ${archive}`)
  }
  let dir = unpacked
  if (fileLimit > 0) {
    const { listArchiveFiles } = await import('../src/importer/read')
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-archive-subset-'))
    made.push(dir)
    for (const rel of listArchiveFiles(unpacked).slice(0, fileLimit)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
      fs.copyFileSync(path.join(unpacked, rel), path.join(dir, rel))
    }
  }
  return { dir, done: () => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })) }
}

/** Fills the database Payload is on: the archive through the importer, or synthetic posts. */
const fillDatabase = async (
  payload: Awaited<ReturnType<typeof import('payload').getPayload>>,
  source: Awaited<ReturnType<typeof chooseSource>>,
) => {
  const { runImport, useArchive } = source
  const started = performance.now()
  if (useArchive && runImport) {
    const { dir, done } = await archiveFolder()
    let shown = 0
    const report = (await runImport({
      payload,
      dir,
      status: 'published',
      onProgress: (done: number, total: number) => {
        if (done - shown >= 5000 || done === total) {
          shown = done
          log(`  ${done} / ${total} files`)
        }
      },
    } as never)) as { summary?: Record<string, unknown> }
    log(`  import summary: ${JSON.stringify(report?.summary ?? {})}`)
    done()
  } else {
    const { writeSyntheticPosts } = await import('./syntheticPosts')
    const summary = await writeSyntheticPosts(payload, syntheticCount, log)
    log(`  ${JSON.stringify(summary)}`)
  }
  log(`  built in ${Math.round((performance.now() - started) / 1000)} s`)
}

const buildDatabase = async (): Promise<{ file: string; description: string }> => {
  const source = await chooseSource()
  const { useArchive, description } = source
  const file = path.join(
    benchDir,
    useArchive
      ? `base-archive-${fileLimit > 0 ? `${fileLimit}files` : '64k'}.db`
      : `base-synthetic-${syntheticCount}.db`,
  )
  if (
    fs.existsSync(file) &&
    fs.existsSync(plainBaseOf(file)) &&
    process.env.BENCH_REBUILD !== '1'
  ) {
    log(
      `Database: reusing ${path.relative(root, file)} (BENCH_REBUILD=1 rebuilds it): ${description}`,
    )
    return { file, description }
  }
  removeDb(file)
  removeDb(plainBaseOf(file))
  log(`Database: building ${path.relative(root, file)} from ${description} ...`)
  process.env.DATABASE_URI = file
  await import('../src/preload')
  const { getPayload } = await import('payload')
  const { default: config } = await import('../payload.config')
  const payload = await getPayload({ config, cron: false })
  await fillDatabase(payload, source)
  // The build must leave no planner statistics: "plain" measures Payload as it leaves a database.
  const { sql } = await import('@payloadcms/db-sqlite')
  const drizzle = (payload.db as unknown as { drizzle: { run: (q: unknown) => Promise<unknown> } })
    .drizzle
  await drizzle.run(sql.raw('DROP TABLE IF EXISTS sqlite_stat1'))
  // Plain Payload gets the schema as Payload and the committed migration make it: without our indexes.
  await drizzle.run(sql.raw(`VACUUM INTO '${plainBaseOf(file).replace(/'/g, "''")}'`))
  // The delivery plugin's compound indexes, under the names Payload gives them, until the committed
  // migration creates them (a pushed schema has them already).
  for (const statement of DELIVERY_INDEXES) await drizzle.run(sql.raw(statement))
  await drizzle.run(sql.raw('PRAGMA wal_checkpoint(TRUNCATE)'))
  await payload.destroy()
  return { file, description }
}

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

/**
 * PostgreSQL: a fresh database on the server, filled as on SQLite, then analyzed (what the delivery
 * layer's start runs, and autovacuum would soon do by itself). Every run is served from it.
 */
const buildPostgres = async (): Promise<{ file: string; description: string }> => {
  const source = await chooseSource()
  await onPgServer(`CREATE DATABASE "${pgDatabase}"`)
  const url = new URL(pgServer)
  url.pathname = `/${pgDatabase}`
  log(`Database: building ${pgDatabase} on ${url.host} from ${source.description} ...`)
  process.env.DATABASE_URI = url.toString()
  await import('../src/preload')
  const { getPayload } = await import('payload')
  const { default: config } = await import('../payload.config')
  const payload = await getPayload({ config, cron: false })
  await fillDatabase(payload, source)
  const { sql } = await import('@payloadcms/db-postgres')
  const drizzle = (
    payload.db as unknown as { drizzle: { execute: (q: unknown) => Promise<unknown> } }
  ).drizzle
  await drizzle.execute(sql.raw('ANALYZE'))
  await payload.destroy()
  return { file: url.toString(), description: source.description }
}

const dropPostgres = async () => {
  if (onPostgres) await onPgServer(`DROP DATABASE IF EXISTS "${pgDatabase}" WITH (FORCE)`)
}

// ---------------------------------------------------------------------------------------------------
// Servers

type Server = { url: string; child: ChildProcess; name: string }

/** The Node flags `npm run serve` and `npm start` give the server (package.json), for every server here. */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=64']

const startServerProcess = (
  name: string,
  dbFile: string,
  env: Record<string, string>,
): Promise<Server> =>
  new Promise((resolve, reject) => {
    const logFile = fs.openSync(path.join(benchDir, `server-${name}.log`), 'w')
    const child = spawn(
      path.join(root, 'node_modules/.bin/tsx'),
      [...SERVER_NODE_FLAGS, path.join(root, 'bench/deliveryServer.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URI: dbFile,
          NODE_ENV: 'production',
          RATE_LIMIT_PER_MINUTE: '0',
          PAYLOAD_SECRET: process.env.PAYLOAD_SECRET!,
          ...env,
        },
        stdio: ['ignore', 'pipe', logFile],
      },
    )
    const timer = setTimeout(
      () =>
        reject(
          new Error(`server ${name} did not start in 120 s (see ${benchDir}/server-${name}.log)`),
        ),
      120_000,
    )
    child.once('exit', (code) =>
      reject(new Error(`server ${name} exited with ${code} (see ${benchDir}/server-${name}.log)`)),
    )
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (\S+)/.exec(line)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve({ url: m[1], child, name })
      }
    })
  })

const stopServer = async (server: Server) => {
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await exited
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

type Scenario = { name: string; method?: 'GET' | 'POST'; path: () => string; body?: string }

/** A seeded sequence (mulberry32): the same draws in every run and for every server. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pickFrom = <T>(list: T[]) => {
  const next = random(1)
  return () => list[Math.floor(next() * list.length)] as T
}

const GRAPHQL_FIELDS = `title slug contentHtml excerpt publishedAt tags authors { name slug } categories { name slug } source { name slug attribution }`
const graphqlList = (withAttribution: boolean) =>
  JSON.stringify({
    query: `{ Posts(limit: 20, sort: "-publishedAt") { totalDocs docs { ${GRAPHQL_FIELDS}${withAttribution ? ' attribution { outlet sourceUrl licence }' : ''} } } }`,
  })

const bySlug = (slug: string) =>
  `/api/posts?where[slug][equals]=${encodeURIComponent(slug)}&limit=1&depth=1`

/**
 * Detail reads come in two mixes: the 20 newest posts (a front page's worth, where readers' traffic
 * concentrates) and 500 posts drawn at random (each read mostly a cache miss).
 */
const scenarios = (
  hot: string[],
  slugs: string[],
  sources: string[],
  delivery: boolean,
): Scenario[] => {
  const hotSlug = pickFrom(hot)
  const slug = pickFrom(slugs)
  const source = pickFrom(sources)
  return [
    { name: 'list 20, depth 1', path: () => '/api/posts?limit=20&depth=1' },
    { name: `post by slug (${hot.length} newest)`, path: () => bySlug(hotSlug()) },
    { name: `post by slug (${slugs.length} random)`, path: () => bySlug(slug()) },
    {
      name: `list by source (${sources.length} sources)`,
      path: () =>
        `/api/posts?where[source.slug][equals]=${encodeURIComponent(source())}&limit=20&depth=1`,
    },
    {
      name: 'GraphQL list 20',
      method: 'POST',
      path: () => '/api/graphql',
      body: graphqlList(delivery),
    },
    ...(delivery ? [{ name: 'RSS feed, all posts', path: () => '/feeds/posts.xml' }] : []),
  ]
}

type Row = {
  run: string
  scenario: string
  rps: number
  p50: number
  p99: number
  errors: number
  kb: number
}

const measure = async (server: Server, scenario: Scenario, seconds = duration): Promise<Row> => {
  // One request first: it must succeed, and tells the response size.
  const probe = await fetch(`${server.url}${scenario.path()}`, {
    method: scenario.method ?? 'GET',
    headers: scenario.body ? { 'content-type': 'application/json' } : {},
    body: scenario.body,
  })
  const probeBody = await probe.text()
  if (!probe.ok || /"errors"/.test(probeBody.slice(0, 200))) {
    throw new Error(`${server.name} ${scenario.name}: ${probe.status} ${probeBody.slice(0, 300)}`)
  }
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: scenario.method ?? 'GET',
        headers: scenario.body ? { 'content-type': 'application/json' } : {},
        body: scenario.body,
        setupRequest: (req) => ({ ...req, path: scenario.path() }),
      },
    ],
  })
  return {
    run: server.name,
    scenario: scenario.name,
    rps: Math.round(result.requests.average * 10) / 10,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    kb: Math.round(Buffer.byteLength(probeBody) / 102.4) / 10,
  }
}

const runAll = async (server: Server, list: Scenario[], rows: Row[]) => {
  for (const scenario of list) {
    const row = await measure(server, scenario)
    rows.push(row)
    log(
      `  ${row.run.padEnd(8)} ${row.scenario.padEnd(30)} ${String(row.rps).padStart(8)} req/s  p50 ${String(row.p50).padStart(5)} ms  p99 ${String(row.p99).padStart(5)} ms  errors ${row.errors}  ${row.kb} KB`,
    )
  }
}

// ---------------------------------------------------------------------------------------------------
// Readers while an editor works

const LIST_PAGES = 40
const AUTOSAVE_EVERY_MS = 2000

/**
 * Anonymous load over 40 list pages (`/api/posts?limit=20&depth=1&page=1..40`), twice, side by side:
 * alone, then while one editor autosaves a draft of a published post every 2 s (what the admin does
 * while they type). A draft save changes nothing readers see, so the second should serve as the first.
 */
const measureAutosave = async (server: Server, rows: Row[]) => {
  const seconds = Number(process.env.BENCH_AUTOSAVE_DURATION ?? 20)
  let next = 0
  const pages: Scenario = {
    name: `${LIST_PAGES} list pages`,
    path: () => `/api/posts?limit=20&depth=1&page=${(next++ % LIST_PAGES) + 1}`,
  }
  // The bench database has no users: the first one registered is an admin.
  const email = 'bench-editor@example.test'
  const password = 'bench editor password'
  const registered = await fetch(`${server.url}/api/users/first-register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Bench editor' }),
  })
  if (!registered.ok)
    throw new Error(
      `could not register the bench editor: ${registered.status} ${await registered.text()}`,
    )
  const login = await fetch(`${server.url}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  const { token } = (await login.json()) as { token: string }
  const found = (await (
    await fetch(
      `${server.url}/api/posts?where[slug][equals]=${encodeURIComponent(hot[5]!)}&depth=0&select[title]=true`,
    )
  ).json()) as { docs: { id: number; title: string }[] }
  const post = found.docs[0]!
  // Every page once, so both runs start with what a server in service would have.
  for (let page = 1; page <= LIST_PAGES; page++)
    await fetch(`${server.url}/api/posts?limit=20&depth=1&page=${page}`)

  log(
    `ours: ${LIST_PAGES} list pages, ${seconds} s, alone and while an editor autosaves a draft every ${AUTOSAVE_EVERY_MS / 1000} s`,
  )
  const alone = { ...(await measure(server, pages, seconds)), scenario: `${LIST_PAGES} list pages` }
  rows.push(alone)
  let saves = 0
  let failed = 0
  const autosave = async () => {
    const res = await fetch(`${server.url}/api/posts/${post.id}?draft=true&autosave=true`, {
      method: 'PATCH',
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `${post.title} (draft ${saves + failed + 1})` }),
    })
    await res.arrayBuffer()
    if (res.ok) saves++
    else failed++
  }
  const timer = setInterval(() => void autosave(), AUTOSAVE_EVERY_MS)
  const busy = {
    ...(await measure(server, pages, seconds)),
    scenario: `${LIST_PAGES} list pages + autosave`,
  }
  clearInterval(timer)
  rows.push(busy)
  for (const row of [alone, busy])
    log(
      `  ${row.run.padEnd(8)} ${row.scenario.padEnd(30)} ${String(row.rps).padStart(8)} req/s  p50 ${String(row.p50).padStart(5)} ms  p99 ${String(row.p99).padStart(5)} ms  errors ${row.errors}  ${row.kb} KB`,
    )
  const change = (a: number, b: number) => `${((b / a - 1) * 100).toFixed(1)}%`
  log(
    `  with autosaves (${saves} saved, ${failed} failed): req/s ${change(alone.rps, busy.rps)}, p99 ${change(alone.p99, busy.p99)} (target: within 10%)`,
  )
}

// ---------------------------------------------------------------------------------------------------

/**
 * BENCH_DATABASES="sqlite postgres://...": this bench once per database, each in a child process of
 * its own, one after the other; then their figures side by side (req/s and p99 of each run and
 * scenario, and the paired medians).
 */
async function compareDatabases(databases: string[]) {
  const results: { label: string; file: string }[] = []
  for (const database of databases) {
    const pg = /^postgres(ql)?:\/\//i.test(database)
    const label = pg ? 'PostgreSQL' : 'SQLite'
    log(`\n=== ${label} (${pg ? database : 'files under BENCH_DIR'}), ${new Date().toISOString()}`)
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_DATABASES: '' }
    if (pg) env.DATABASE_URI = database
    else delete env.DATABASE_URI
    const child = spawnSync(
      path.join(root, 'node_modules/.bin/tsx'),
      [path.join(root, 'bench/delivery.ts')],
      {
        cwd: root,
        env,
        stdio: 'inherit',
      },
    )
    if (child.status !== 0)
      throw new Error(`bench:delivery on ${label} exited with ${child.status}`)
    const file = path.join(
      benchDir,
      pg ? 'delivery-results-postgres.json' : 'delivery-results.json',
    )
    results.push({ label, file })
  }
  type Results = {
    description: string
    rows: Row[]
    paired: { scenario: string; ours: number; plain: number }[]
  }
  const all = results.map((r) => ({
    ...r,
    ...(JSON.parse(fs.readFileSync(r.file, 'utf8')) as Results),
  }))
  log(`\nSide by side (req/s, p99 ms; paired: median ms ours-nc / plain+)`)
  log(`| run | scenario | ${all.map((r) => `${r.label} req/s | ${r.label} p99`).join(' | ')} |`)
  log(`| --- | --- | ${all.map(() => '---: | ---:').join(' | ')} |`)
  const keys: [string, string][] = []
  for (const r of all)
    for (const row of r.rows)
      if (!keys.some(([run, sc]) => run === row.run && sc === row.scenario))
        keys.push([row.run, row.scenario])
  for (const [run, scenario] of keys) {
    const cells = all.map((r) => {
      const row = r.rows.find((x) => x.run === run && x.scenario === scenario)
      return row ? `${row.rps} | ${row.p99}` : '- | -'
    })
    log(`| ${run} | ${scenario} | ${cells.join(' | ')} |`)
  }
  for (const { scenario } of all[0]?.paired ?? []) {
    const cells = all.map((r) => {
      const p = r.paired.find((x) => x.scenario === scenario)
      return p ? `${p.ours.toFixed(1)} / ${p.plain.toFixed(1)} | -` : '- | -'
    })
    log(`| paired (median ms, ours-nc / plain+) | ${scenario} | ${cells.join(' | ')} |`)
  }
}

if (process.env.BENCH_DATABASES) {
  await compareDatabases(process.env.BENCH_DATABASES.split(/\s+/).filter(Boolean))
  process.exit(0)
}

const rows: Row[] = []
let slugs: string[]
let hot: string[]
let sources: string[]

// PostgreSQL: the bench's database is dropped however the run ends.
try {
  const { file: base, description } = onPostgres ? await buildPostgres() : await buildDatabase()
  // PostgreSQL: one database for every run (no "plain" copy: see the header).
  const plainDb = onPostgres ? undefined : path.join(benchDir, 'plain.db')
  const oursDb = onPostgres ? base : path.join(benchDir, 'ours.db')
  if (plainDb) {
    for (const [from, target] of [
      [plainBaseOf(base), plainDb],
      [base, oursDb],
    ] as const) {
      removeDb(target)
      fs.copyFileSync(from, target)
    }
  }

  if (process.env.BENCH_BUILD_ONLY === '1' && !onPostgres) process.exit(0)

  log(`\nDelivery benchmark: ${description}`)
  log(
    `autocannon, ${connections} connections, ${duration} s a run, server and load tool sharing ${os.cpus().length} cores\n`,
  )

  // Slugs and sources to rotate through, read from the analyzed copy so the probe is quick.
  {
    const server = await startServerProcess('ours', oursDb, {})
    const page = async (query: string) => {
      const res = await fetch(`${server.url}/api/posts?${query}&depth=0&select[slug]=true`)
      if (!res.ok) throw new Error(`bench probe ${query}: ${res.status} ${await res.text()}`)
      return (await res.json()) as { docs: { slug: string }[]; totalDocs: number }
    }
    hot = (await page('limit=20')).docs.map((d) => d.slug)
    // Readers may ask for at most DELIVERY_MAX_LIMIT posts at once: 500 random posts are read one
    // page of one each.
    const { totalDocs } = await page('limit=1')
    const draw = random(7)
    slugs = []
    for (let i = 0; i < Math.min(500, totalDocs); i++) {
      const n = 1 + Math.floor(draw() * totalDocs)
      slugs.push((await page(`limit=1&page=${n}`)).docs[0]!.slug)
    }
    const sourceRes = await fetch(`${server.url}/api/sources?limit=100&depth=0&select[slug]=true`)
    sources = ((await sourceRes.json()) as { docs: { slug: string }[] }).docs.map((d) => d.slug)
    log('ours: the delivery layer (microcache on)')
    await runAll(server, scenarios(hot, slugs, sources, true), rows)
    await measureAutosave(server, rows)
    await stopServer(server)
  }
  {
    const server = await startServerProcess('ours-nc', oursDb, { DELIVERY_MICROCACHE_SECONDS: '0' })
    log('ours-nc: the delivery layer, microcache off (every read goes to Payload)')
    await runAll(server, scenarios(hot, slugs, sources, true), rows)
    await stopServer(server)
  }
  {
    const server = await startServerProcess('plain+', oursDb, { NEWSROOM_DELIVERY: 'off' })
    log('plain+: plain Payload on the analyzed database')
    await runAll(server, scenarios(hot, slugs, sources, false), rows)
    await stopServer(server)
  }
  if (plainDb) {
    const server = await startServerProcess('plain', plainDb, { NEWSROOM_DELIVERY: 'off' })
    log('plain: plain Payload as it comes (no ANALYZE, no delivery layer)')
    await runAll(server, scenarios(hot, slugs, sources, false).slice(0, 1), rows)
    await stopServer(server)
  }

  // Overhead, paired: ours-nc and plain+ side by side on the same database, one request at a time,
  // alternating between them, so that load from anything else on the machine falls on both alike.
  // The 32-connection runs above are too sensitive to that load to resolve a difference of a few %.
  const paired: { scenario: string; ours: number; plain: number; plainSameFields?: number }[] = []
  {
    const samples = Number(process.env.BENCH_PAIRED_SAMPLES ?? 60)
    const [oursNc, plainPlus] = await Promise.all([
      startServerProcess('paired-ours-nc', oursDb, { DELIVERY_MICROCACHE_SECONDS: '0' }),
      startServerProcess('paired-plain+', oursDb, { NEWSROOM_DELIVERY: 'off' }),
    ])
    const once = async (server: Server, scenario: Scenario) => {
      const started = performance.now()
      const res = await fetch(`${server.url}${scenario.path()}`, {
        method: scenario.method ?? 'GET',
        // As autocannon asks: uncompressed (plain Payload does not compress, and loopback gains nothing).
        headers: {
          'accept-encoding': 'identity',
          ...(scenario.body ? { 'content-type': 'application/json' } : {}),
        },
        body: scenario.body,
      })
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`${server.name} ${scenario.name}: ${res.status}`)
      return performance.now() - started
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    // Our anonymous REST reads leave out the staff-only fields and the Lexical JSON; plain Payload
    // asked for the same fields with `select` gives the same response, which isolates what our layer
    // costs from what it saves.
    const readerFields = Object.keys(
      (
        (await (await fetch(`${oursNc.url}/api/posts?limit=1&depth=1`)).json()) as {
          docs: Record<string, unknown>[]
        }
      ).docs[0]!,
    ).filter((key) => key !== 'id')
    const sameFields = readerFields.map((key) => `&select[${key}]=true`).join('')
    log(
      `\nPaired (ours-nc vs plain+, ${samples} sequential requests each, alternating; median latency)`,
    )
    log(
      `  plain+ same fields: plain+ with ${readerFields.length} select[...] parameters, the fields ours returns to readers`,
    )
    const oursScenarios = scenarios(hot, slugs, sources, true)
    const plainScenarios = scenarios(hot, slugs, sources, false)
    for (const plainScenario of plainScenarios) {
      const oursScenario = oursScenarios.find((s) => s.name === plainScenario.name)!
      const sameScenario: Scenario | undefined = plainScenario.method
        ? undefined
        : { ...plainScenario, path: () => `${plainScenario.path()}${sameFields}` }
      const a: number[] = []
      const b: number[] = []
      const c: number[] = []
      for (let i = 0; i < 3; i++) {
        await once(oursNc, oursScenario)
        await once(plainPlus, plainScenario)
        if (sameScenario) await once(plainPlus, sameScenario)
      }
      for (let i = 0; i < samples; i++) {
        a.push(await once(oursNc, oursScenario))
        b.push(await once(plainPlus, plainScenario))
        if (sameScenario) c.push(await once(plainPlus, sameScenario))
      }
      const row = {
        scenario: plainScenario.name,
        ours: median(a),
        plain: median(b),
        plainSameFields: sameScenario ? median(c) : undefined,
      }
      paired.push(row)
      const pct = (ours: number, base: number) => `${((ours / base - 1) * 100).toFixed(1)}%`
      log(
        `  ${row.scenario.padEnd(30)} ours-nc ${row.ours.toFixed(1).padStart(6)} ms   plain+ ${row.plain.toFixed(1).padStart(6)} ms (overhead ${pct(row.ours, row.plain)})` +
          (row.plainSameFields === undefined
            ? '   (GraphQL: same fields either way)'
            : `   plain+ same fields ${row.plainSameFields.toFixed(1).padStart(6)} ms (overhead ${pct(row.ours, row.plainSameFields)})`),
      )
    }
    await Promise.all([stopServer(oursNc), stopServer(plainPlus)])
  }

  const find = (run: string, scenario: string) =>
    rows.find((r) => r.run === run && r.scenario === scenario)
  log('\nRatios (req/s); overhead = how much slower ours-nc is than plain+')
  for (const ours of rows.filter((r) => r.run === 'ours')) {
    const nc = find('ours-nc', ours.scenario)
    const plus = find('plain+', ours.scenario)
    if (!nc || !plus) continue
    const overhead = Math.round((1 - nc.rps / plus.rps) * 1000) / 10
    log(
      `  ${ours.scenario.padEnd(30)} ours/plain+ ${(ours.rps / plus.rps).toFixed(2)}x   ours-nc/plain+ ${(nc.rps / plus.rps).toFixed(2)}x (overhead ${overhead}%)`,
    )
  }
  const oursList = find('ours', 'list 20, depth 1')
  const plainList = find('plain', 'list 20, depth 1')
  if (oursList && plainList) {
    log(
      `  ${'list 20, depth 1'.padEnd(30)} ours/plain (Payload as it comes) ${(oursList.rps / Math.max(plainList.rps, 0.1)).toFixed(1)}x`,
    )
  }

  const targets = rows.filter((r) => r.run === 'ours' && /^(list|post by slug)/.test(r.scenario))
  const missed = targets.filter((r) => r.p99 >= 100 || r.errors > 0)
  log(
    `\nTargets (ours, list and detail: p99 < 100 ms, no errors): ${missed.length === 0 ? 'met' : `missed by ${missed.map((r) => r.scenario).join(', ')}`}`,
  )
  fs.writeFileSync(
    resultsFile,
    `${JSON.stringify({ description, database: onPostgres ? 'postgres' : 'sqlite', connections, duration, rows, paired }, null, 2)}\n`,
  )
} finally {
  await dropPostgres()
}
process.exit(0)
