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
// BENCH_SOURCE=synthetic|archive, BENCH_REBUILD=1, BENCH_DIR (default data/bench).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
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
const log = (line: string) => process.stdout.write(`${line}\n`)

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

const buildDatabase = async (): Promise<{ file: string; description: string }> => {
  const wanted = process.env.BENCH_SOURCE
  const runImport = wanted === 'synthetic' ? undefined : await findImporter()
  const useArchive = Boolean(runImport) && fs.existsSync(archive)
  if (wanted === 'archive' && !useArchive) {
    throw new Error(
      `BENCH_SOURCE=archive, but ${runImport ? `${archive} is missing` : 'src/importer exposes no runImport yet'}.`,
    )
  }
  const file = path.join(
    benchDir,
    useArchive ? 'base-archive-64k.db' : `base-synthetic-${syntheticCount}.db`,
  )
  const description = useArchive
    ? `the 64k archive (${archive}) imported with src/importer runImport`
    : `${syntheticCount} synthetic posts (${runImport ? 'forced by BENCH_SOURCE' : 'src/importer has no runImport yet'}; see bench/syntheticPosts.ts)`
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
  const started = performance.now()
  if (useArchive && runImport) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-archive-'))
    const tar = spawnSync('tar', ['-xJf', archive, '-C', dir], { stdio: 'inherit' })
    if (tar.status !== 0) throw new Error(`tar could not extract ${archive}`)
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
    fs.rmSync(dir, { recursive: true, force: true })
  } else {
    const { writeSyntheticPosts } = await import('./syntheticPosts')
    const summary = await writeSyntheticPosts(payload, syntheticCount, log)
    log(`  ${JSON.stringify(summary)}`)
  }
  log(`  built in ${Math.round((performance.now() - started) / 1000)} s`)
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

const { file: base, description } = await buildDatabase()
const plainDb = path.join(benchDir, 'plain.db')
const oursDb = path.join(benchDir, 'ours.db')
for (const [from, target] of [
  [plainBaseOf(base), plainDb],
  [base, oursDb],
] as const) {
  removeDb(target)
  fs.copyFileSync(from, target)
}

if (process.env.BENCH_BUILD_ONLY === '1') process.exit(0)

log(`\nDelivery benchmark: ${description}`)
log(
  `autocannon, ${connections} connections, ${duration} s a run, server and load tool sharing ${os.cpus().length} cores\n`,
)

const rows: Row[] = []
let slugs: string[]
let hot: string[]
let sources: string[]

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
{
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
  path.join(benchDir, 'delivery-results.json'),
  `${JSON.stringify({ description, connections, duration, rows, paired }, null, 2)}\n`,
)
process.exit(0)
