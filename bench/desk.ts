// `npm run bench:desk`: the admin as an editor uses it, on a large database, in Chromium.
//
// Opens each view of issue 21's table (dashboard, import panel, media list, a source's page, posts
// search, posts list and page 50, a post, sources list, filter by source, saving a title change) and
// prints the median time from the navigation's start until the view is shown and its requests are
// done (the last response of the page's network, not counting an idle window), beside the median
// time of the REST call that reads the same data. Then leaves the dashboard open and idle for
// BENCH_IDLE_SECONDS and prints what it cost the server: requests, bytes, CPU-seconds.
//
// The database: `--db <file>` (or DESK_DB), a SQLite file made by `npm run import` (reused as it
// is; the bench adds one editor user and saves one title). Without one, `--archive <folder>` imports
// that folder first into data/bench/desk.db with the machine's cores.
//
// Needs the admin build (`node scripts/build-if-needed.mjs`) and Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium). BENCH_RUNS (default 3) runs per view after one warm-up.
import '../src/preload'

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium, type Page, type Request } from 'playwright-core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const log = (line: string) => process.stdout.write(`${line}\n`)

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60)
/** The longest wait for a view's network to go quiet once it is shown. */
const QUIET_MAX_MS = 15_000
/** Quiet: no request in flight for this long (not counted in the view's time). */
const QUIET_MS = 500

/** A request's start and end, ms since the view's start. */
type Span = { from: number; to: number }

/**
 * When the network went quiet after `shownAt`: the end of the busy stretch that follows it, where
 * each request starts less than `QUIET_MS` after the ones before it have ended. When every request
 * ended, that is the last end; when one never did (a navigation the browser restarted, a cancelled
 * prefetch), what came after the first quiet window is left out: the dashboard's polls, one every few
 * seconds, are not part of its load.
 */
const quietAfter = (spans: readonly Span[], shownAt: number): number => {
  let reach = shownAt
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    if (span.from > reach + QUIET_MS) break
    reach = Math.max(reach, span.to)
  }
  return reach
}

/** BENCH_TRACE=1: each view's requests, in the order they ended, with their end time. */
const TRACE = Boolean(process.env.BENCH_TRACE)
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const EMAIL = 'bench-editor@newsroom.test'
const PASSWORD = 'bench editor password, not for production'

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const databaseFile = (): string => {
  const given = arg('db') ?? process.env.DESK_DB
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`No database at ${given} (--db or DESK_DB).`)
    return path.resolve(given)
  }
  const archive = arg('archive')
  const file = path.join(root, 'data/bench/desk.db')
  if (fs.existsSync(file)) return file
  if (!archive)
    throw new Error(
      'Give a database (--db file.db, made by `npm run import`) or an archive folder to import (--archive dir).',
    )
  fs.mkdirSync(path.dirname(file), { recursive: true })
  log(`Importing ${archive} into ${file} ...`)
  const done = spawnSync(
    'npm',
    ['run', 'import', '--', archive, '--concurrency', String(os.availableParallelism())],
    { cwd: root, stdio: 'inherit', env: { ...process.env, DATABASE_URI: file } },
  )
  if (done.status !== 0) throw new Error(`The import failed (exit ${done.status}).`)
  return file
}

type View = {
  name: string
  /** Where the browser goes, and the REST call that reads the same data. */
  path: string
  api: string
  /** What shows that the view is there. */
  shown: string
  /** Instead of a navigation: an action on the page, timed from its start. */
  act?: (page: Page) => Promise<void>
}

/** One load of a view: until shown and quiet, and the server's part (its HTML document, fully read). */
type Timed = { ms: number; documentMs: number }

/** Loads `view` in `page`, timed from the navigation's start to its last response (or `shown`). */
const timeView = async (page: Page, base: string, view: View): Promise<Timed> => {
  const inFlight = new Map<Request, number>()
  const spans: Span[] = []
  let documentMs = Number.NaN
  const trace: string[] = []
  const onRequest = (request: Request) => {
    inFlight.set(request, performance.now() - start)
  }
  const onDone = (request: Request) => {
    const lastDone = performance.now()
    spans.push({ from: inFlight.get(request) ?? 0, to: lastDone - start })
    inFlight.delete(request)
    if (TRACE) {
      const { pathname, search } = new URL(request.url())
      trace.push(
        `  ${(lastDone - start).toFixed(0).padStart(6)} ms  ${request.resourceType().padEnd(10)} ${request.method()} ${decodeURIComponent(pathname + search).slice(0, 160)}`,
      )
    }
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      const timing = request.timing()
      // From the request's start until the last byte of the server's rendered page.
      if (timing.responseEnd > 0) documentMs = timing.responseEnd
    }
  }
  page.on('request', onRequest)
  page.on('requestfinished', onDone)
  page.on('requestfailed', onDone)
  const start = performance.now()
  try {
    if (view.act) await view.act(page)
    else await page.goto(`${base}${view.path}`, { waitUntil: 'commit', timeout: 300_000 })
    await page.locator(view.shown).first().waitFor({ state: 'visible', timeout: 300_000 })
    const shownAt = performance.now()
    // Quiet: nothing in flight for 500 ms (not counted). A request the browser drops without an
    // event of its own (a cancelled prefetch) would keep it waiting forever: at most QUIET_MAX_MS.
    let quietSince = performance.now()
    const giveUpAt = performance.now() + QUIET_MAX_MS
    while (performance.now() - quietSince < QUIET_MS && performance.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      if (inFlight.size > 0) quietSince = performance.now()
    }
    if (performance.now() >= giveUpAt) {
      const stuck = [...inFlight.keys()].map((r) => new URL(r.url()).pathname).join(', ')
      log(
        `${view.name}: ${inFlight.size} request(s) never ended (${stuck}); timed until the network's first quiet ${QUIET_MS} ms among those that did`,
      )
    }
    if (TRACE)
      log(
        `${view.name}: shown at ${(shownAt - start).toFixed(0)} ms; requests by their end:\n${trace.join('\n')}`,
      )
    return { ms: Math.max(shownAt - start, quietAfter(spans, shownAt - start)), documentMs }
  } finally {
    page.off('request', onRequest)
    page.off('requestfinished', onDone)
    page.off('requestfailed', onDone)
  }
}

/** CPU-seconds of this process (the server and the browser's driver, every thread) over `seconds`. */
const cpuSeconds = async (seconds: number): Promise<number> => {
  const before = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1e6
}

/** Waits until 5 s pass with under 0.05 CPU-seconds used (at most 90 s): the server is at rest. */
const settle = async (): Promise<void> => {
  const until = performance.now() + 90_000
  while (performance.now() < until && (await cpuSeconds(5)) >= 0.05) {
    // still collecting what the last requests left
  }
}

const timeApi = async (url: string, auth: string): Promise<number> => {
  const start = performance.now()
  const res = await fetch(url, { headers: { authorization: auth } })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return performance.now() - start
}

const main = async () => {
  const file = databaseFile()
  Object.assign(process.env, {
    DATABASE_URI: file,
    NODE_ENV: 'production',
    PAYLOAD_SECRET: process.env.PAYLOAD_SECRET || 'bench-secret-not-for-production',
    SEED_EXAMPLES: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
  })
  const { startServer } = await import('../src/server')
  const bootStart = performance.now()
  const server = await startServer({ host: '127.0.0.1', port: 0, admin: true, jobs: false })
  log(`Server up in ${((performance.now() - bootStart) / 1000).toFixed(1)} s on ${file}`)
  const { payload } = server

  const existing = await payload.find({
    collection: 'users',
    where: { email: { equals: EMAIL } },
    overrideAccess: true,
  })
  if (existing.docs.length === 0)
    await payload.create({
      collection: 'users',
      data: { email: EMAIL, password: PASSWORD, roles: ['editor'], name: 'Bench editor' },
      overrideAccess: true,
    })
  const login = await fetch(`${server.url}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  })
  const { token } = (await login.json()) as { token: string }
  const auth = `JWT ${token}`

  // The biggest source, a post of it, the total of posts.
  const sources = await payload.find({
    collection: 'sources',
    limit: 100,
    depth: 0,
    pagination: false,
  })
  let biggest = { id: sources.docs[0]?.id, posts: -1 }
  for (const source of sources.docs) {
    const { totalDocs } = await payload.count({
      collection: 'posts',
      where: { source: { equals: source.id } },
    })
    if (totalDocs > biggest.posts) biggest = { id: source.id, posts: totalDocs }
  }
  const aPost = (
    await payload.find({ collection: 'posts', limit: 1, depth: 0, sort: '-publishedAt' })
  ).docs[0]
  const { totalDocs: postCount } = await payload.count({ collection: 'posts' })
  log(`${postCount} posts, ${sources.totalDocs} sources (the biggest has ${biggest.posts} posts)`)

  const api = payload.config.routes.api
  const list = (query: string) =>
    `${api}/posts?depth=0&limit=10&draft=true&sort=-publishedAt${query}`
  const views: View[] = [
    {
      name: 'dashboard',
      path: '/admin',
      api: `${api}/newsroom/desk/version`,
      // Its data, not the card's "Loading" line: the card marks itself loaded (data or error).
      shown: '[data-testid="desk-waiting-for-review"][data-loaded]',
    },
    {
      name: 'import panel',
      path: '/admin/collections/import-runs',
      api: `${api}/import-runs?limit=5&depth=0&select[status]=true&select[summary]=true`,
      shown: '[data-testid="desk-imports"]',
    },
    {
      name: 'media list',
      path: '/admin/collections/media',
      api: `${api}/media?limit=10&depth=0`,
      shown: '.collection-list table, .collection-list__no-results',
    },
    {
      name: 'source edit (ingest settings, health)',
      path: `/admin/collections/sources/${biggest.id}`,
      api: `${api}/sources/${biggest.id}?depth=0`,
      shown: '#field-name',
    },
    {
      name: 'posts search (中国)',
      path: `/admin/collections/posts?search=${encodeURIComponent('中国')}`,
      api: list(`&where[or][0][title][like]=${encodeURIComponent('中国')}`),
      shown: '.collection-list table, .collection-list__no-results',
    },
    {
      name: 'posts list page 50',
      path: '/admin/collections/posts?page=50',
      api: list('&page=50'),
      shown: '.collection-list table',
    },
    {
      name: 'open a post',
      path: `/admin/collections/posts/${aPost.id}`,
      api: `${api}/posts/${aPost.id}?depth=1&draft=true`,
      shown: '#field-title',
    },
    {
      name: 'sources list',
      path: '/admin/collections/sources',
      api: `${api}/sources?limit=10&depth=0`,
      shown: '.collection-list table',
    },
    {
      name: 'posts list',
      path: '/admin/collections/posts',
      api: list(''),
      shown: '.collection-list table',
    },
    {
      name: 'filter by source',
      path: `/admin/collections/posts?where[or][0][and][0][source][equals]=${biggest.id}`,
      api: list(`&where[source][equals]=${biggest.id}`),
      shown: '.collection-list table',
    },
  ]

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  const context = await browser.newContext({
    locale: 'en-GB',
    viewport: { width: 1400, height: 1000 },
  })
  // Signed in as an editor whose browser kept its cookie: the first view is the dashboard's first
  // load after the server's start (a restart, as an editor meets it).
  await context.addCookies([
    {
      name: `${payload.config.cookiePrefix || 'payload'}-token`,
      value: token,
      url: server.url,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ])
  const page = await context.newPage()
  const first = await timeView(page, server.url, views[0])
  log(
    `dashboard, first load after start: ${first.ms.toFixed(0)} ms (server's page ${first.documentMs.toFixed(0)} ms)`,
  )

  const rows: Array<[string, number, number, number]> = [
    ['dashboard, first load after start', first.ms, first.documentMs, Number.NaN],
  ]
  for (const view of views) {
    const times: number[] = []
    const documents: number[] = []
    for (let run = 0; run <= RUNS; run++) {
      const timed = await timeView(page, server.url, view)
      // the first is the warm-up
      if (run > 0) {
        times.push(timed.ms)
        documents.push(timed.documentMs)
      }
    }
    const apiTimes: number[] = []
    for (let run = 0; run <= RUNS; run++) {
      const ms = await timeApi(`${server.url}${view.api}`, auth)
      if (run > 0) apiTimes.push(ms)
    }
    rows.push([view.name, median(times), median(documents), median(apiTimes)])
    log(
      `${view.name}: ${median(times).toFixed(0)} ms (server's page ${median(documents).toFixed(0)} ms, API ${median(apiTimes).toFixed(0)} ms)`,
    )
  }

  // Saving a title change: from the click on Save until the editor says it is saved.
  const saveTimes: number[] = []
  const original = aPost.title
  for (let run = 0; run <= RUNS; run++) {
    await page.goto(`${server.url}/admin/collections/posts/${aPost.id}`)
    await page.locator('#field-title').fill(`${original} (${run})`)
    const { ms } = await timeView(page, server.url, {
      name: 'save',
      path: '',
      api: '',
      shown: '.payload-toast-container li, .toast-success',
      act: async (p) => {
        await p.locator('#action-save, #action-save-draft').first().click()
      },
    })
    if (run > 0) saveTimes.push(ms)
  }
  const saveApi: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const start = performance.now()
    const res = await fetch(`${server.url}${api}/posts/${aPost.id}?draft=true&depth=0`, {
      method: 'PATCH',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: original }),
    })
    await res.arrayBuffer()
    if (run > 0) saveApi.push(performance.now() - start)
  }
  rows.push(['save a title change', median(saveTimes), Number.NaN, median(saveApi)])

  // An idle dashboard: what one open tab costs the server, beside the same server with no tab open.
  // The views above leave garbage that V8 collects on its own threads for a while after the last
  // request (process.cpuUsage counts every thread): the server first settles, then the window with
  // no tab is measured, then the one with the dashboard open (after its first load has settled).
  await page.goto('about:blank')
  await settle()
  const withoutTab = await cpuSeconds(IDLE_SECONDS)
  await page.goto(`${server.url}/admin`)
  await page.locator(views[0].shown).first().waitFor({ state: 'visible', timeout: 300_000 })
  await settle()
  let requests = 0
  let bytes = 0
  page.on('requestfinished', async (request) => {
    requests++
    const sizes = await request.sizes().catch(() => undefined)
    if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize
  })
  const withTab = await cpuSeconds(IDLE_SECONDS)

  log('')
  const msOrDash = (ms: number) => (Number.isNaN(ms) ? '-' : `${ms.toFixed(0)} ms`)
  log(`| view | median (${RUNS} runs after a warm-up) | the server's page | API, same data |`)
  log('| --- | --- | --- | --- |')
  for (const [name, ms, documentMs, apiMs] of rows)
    log(`| ${name} | ${(ms / 1000).toFixed(2)} s | ${msOrDash(documentMs)} | ${msOrDash(apiMs)} |`)
  log('')
  log(
    `Idle dashboard, ${IDLE_SECONDS} s: ${requests} requests, ${(bytes / 1024).toFixed(1)} KB, ` +
      `${withTab.toFixed(2)} CPU-seconds in the server process; ${withoutTab.toFixed(2)} with no tab ` +
      `open; the tab's own cost ${(withTab - withoutTab).toFixed(2)} CPU-seconds`,
  )

  await browser.close()
  await server.close()
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:desk failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  },
)
