// `npm test`: the whole default suite. Runs jest on the embedded SQLite database (every test file gets
// its own in-memory database), then every test that uses the database again on PostgreSQL
// (PG_TEST_BASE_URI, default postgres://postgres@127.0.0.1:5432/; every test file gets a fresh
// database `test_<random>`, dropped after it), then the integration suite on MongoDB when one is
// reachable (MONGODB_URI, or mongodb-memory-server given a mongod binary). A leg whose database does
// not answer says so plainly and is not counted as passed.
// Extra arguments are passed to jest (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { buildIfNeeded } from './build-if-needed.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'test-output')
fs.mkdirSync(outDir, { recursive: true })
const passthrough = process.argv.slice(2)

/**
 * The environment of one leg: this process's, less what selects another leg's database (a
 * `PG_TEST_BASE_URI` exported by CI must not turn the SQLite leg into a second PostgreSQL one), plus
 * the leg's own.
 */
const legEnvironment = (env) => {
  const out = { ...process.env }
  for (const name of ['PG_TEST_BASE_URI', 'PG_TEST_RUN', 'MONGO_TEST_BASE_URI']) delete out[name]
  return { ...out, ...env }
}

const runJest = (leg, args, env) => {
  const outputFile = path.join(outDir, `jest-${leg}.json`)
  fs.rmSync(outputFile, { force: true })
  const result = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      path.join(root, 'node_modules/jest/bin/jest.js'),
      '--json',
      `--outputFile=${outputFile}`,
      ...args,
    ],
    { cwd: root, stdio: 'inherit', env: legEnvironment(env) },
  )
  let passed
  let failed
  let failures
  if (fs.existsSync(outputFile)) {
    const json = JSON.parse(fs.readFileSync(outputFile, 'utf8'))
    passed = json.numPassedTests
    failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0)
    failures = failuresOf(json)
  } else {
    failed = 1
    failures = [`jest wrote no results (exit ${result.status ?? result.signal})`]
  }
  return { leg, passed, failed, failures, exit: result.status ?? 1 }
}

/** The first lines of a failure's message, without colour codes: enough to tell one cause from another. */
const firstLine = (message = '') =>
  message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('●') && !line.startsWith('at '))
    .slice(0, 3)
    .join(' | ')

/**
 * Every failed test and every test file that failed to run, named with its file and the first line
 * of its error. CI shows only the end of a run's output: these lines come last, so a failure there
 * names itself.
 */
const failuresOf = (json) => {
  const out = []
  for (const file of json.testResults ?? []) {
    const name = path.relative(root, file.name)
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed')
    for (const t of failedTests)
      out.push(`${name} › ${t.fullName}: ${firstLine(t.failureMessages?.[0]).slice(0, 300)}`)
    if (failedTests.length === 0 && file.status === 'failed')
      out.push(`${name} (did not run): ${firstLine(file.message).slice(0, 300)}`)
  }
  return out
}

const findMongo = async () => {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {} }
  const binary = process.env.MONGOMS_SYSTEM_BINARY
  const onPath = spawnSync('sh', ['-c', 'command -v mongod'], { encoding: 'utf8' }).stdout.trim()
  if (!binary && !onPath)
    return {
      reason: 'no MONGODB_URI and no mongod binary (MONGOMS_SYSTEM_BINARY or mongod on PATH)',
    }
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server')
    const server = await MongoMemoryServer.create({ binary: { systemBinary: binary || onPath } })
    return { uri: server.getUri(), stop: () => server.stop() }
  } catch (err) {
    return { reason: `mongodb-memory-server could not start: ${err.message}` }
  }
}

/**
 * The PostgreSQL leg runs every test file that uses a database: integration, http, delivery,
 * workflow, importer (bulk-equivalence, crash, write-path, import, rules, pool, hostile, corpus,
 * migration, archive-dir), ingest, multi-server and hostile. Not the pure unit tests (test/unit, no database)
 * and not the three below.
 */
const PG_PATHS = [
  'test/',
  '--testPathIgnorePatterns',
  '/node_modules/',
  '/test/browser/',
  '/test/unit/',
  // These make databases of their own on purpose, whatever the leg: startup creates and migrates a
  // fresh SQLite file and tries an unreachable MongoDB; internals pins the SQLite transactions' use
  // of libsql and drizzle. (crash, the CLI killed with SIGKILL, runs on both legs.)
  '/test/http/startup.test.ts',
  '/test/importer/internals.test.ts',
  // These measure SQLite itself: the desk's covering indexes read SQLite's query plans, and
  // Server-Timing's database figure counts the libsql client's statements (PostgreSQL has no
  // counterpart yet: the header then names no database time).
  '/test/admin/desk-indexes.test.ts',
  '/test/http/server-timing.test.ts',
]

const pgClient = (base) => {
  const { Client } = createRequire(import.meta.url)('pg')
  const url = new URL(base)
  url.pathname = '/postgres'
  return new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 })
}

/** Drops the databases of this run that a test file left behind in use (see test/setup/environment.mjs). */
const dropRunDatabases = async (base, run) => {
  const client = pgClient(base)
  await client.connect()
  try {
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_' || $1 || '\\_%'",
      [run],
    )
    for (const { datname } of rows) await client.query(`DROP DATABASE "${datname}" WITH (FORCE)`)
  } finally {
    await client.end()
  }
}

const findPostgres = async () => {
  const base = process.env.PG_TEST_BASE_URI || 'postgres://postgres@127.0.0.1:5432/'
  const client = pgClient(base)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return { base }
  } catch (err) {
    return { base, reason: `${err.message || err.code || err}` }
  } finally {
    await client.end().catch(() => undefined)
  }
}

// Jest's modes that run no test (`--listTests`, `--showConfig`, ...) write no results to count:
// they are jest's to answer, once, with its own exit code.
const INFORMATIONAL = ['--listTests', '--showConfig', '--version', '--help', '-h', '--clearCache']
if (passthrough.some((arg) => INFORMATIONAL.includes(arg))) {
  const result = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      path.join(root, 'node_modules/jest/bin/jest.js'),
      ...passthrough,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, DATABASE_URI: ':memory:' } },
  )
  process.exit(result.status ?? 1)
}

// The HTTP suite checks /admin, which needs a build of the admin.
if (!process.env.SKIP_ADMIN_BUILD) await buildIfNeeded()

/**
 * PostgreSQL's own tests, run only in the PostgreSQL leg: read replicas (a primary and a streaming
 * replica the test starts) and the multi-host test (servers on other hosts need a network database).
 */
const PG_ONLY = ['/test/postgres/', '/test/multi-server/multi-host.test.ts']

const legs = []
const sqliteArgs = passthrough.includes('--testPathIgnorePatterns')
  ? passthrough
  : [
      ...passthrough,
      '--passWithNoTests',
      '--testPathIgnorePatterns',
      '/node_modules/',
      '/test/browser/',
      ...PG_ONLY,
    ]
legs.push(runJest('sqlite', sqliteArgs, { DATABASE_URI: ':memory:' }))

const postgres = await findPostgres()
const redactedPg = postgres.base.replace(/\/\/([^@/]+)@/, '//***@')
let pgLine
if (!postgres.reason) {
  const started = Date.now()
  const args = passthrough.length > 0 ? passthrough : PG_PATHS
  const run = `${Date.now().toString(36)}${process.pid}`
  const leg = runJest('postgres', args, { PG_TEST_BASE_URI: postgres.base, PG_TEST_RUN: run })
  legs.push(leg)
  await dropRunDatabases(postgres.base, run)
  pgLine = `PostgreSQL leg: ran on ${redactedPg} in ${Math.round((Date.now() - started) / 1000)} s: ${leg.passed} passed, ${leg.failed} failed`
} else {
  pgLine = `PostgreSQL leg: NOT RUN (no PostgreSQL answers at ${redactedPg}: ${postgres.reason}); not counted as passed`
  // CI (.ci/run) provides a PostgreSQL and requires this leg: a run without it fails there.
  if (process.env.PG_TEST_REQUIRED === 'true')
    legs.push({ leg: 'postgres (required, not run)', passed: 0, failed: 1, exit: 1 })
}

const mongo = await findMongo()
let mongoLine
if (mongo.uri) {
  const args = passthrough.length > 0 ? passthrough : ['test/integration']
  const leg = runJest('mongodb', args, { MONGO_TEST_BASE_URI: mongo.uri })
  await mongo.stop()
  legs.push(leg)
  mongoLine = `MongoDB leg: ran on ${mongo.uri.replace(/\/\/([^@/]+)@/, '//***@')}: ${leg.passed} passed, ${leg.failed} failed`
} else {
  // Which legs did run: SQLite always, PostgreSQL when one answered.
  const ran = postgres.reason ? 'only the SQLite leg ran' : 'the SQLite and PostgreSQL legs ran'
  mongoLine = `MongoDB leg: NOT RUN (${mongo.reason}); ${ran}, MongoDB is not counted as passed`
}

const passed = legs.reduce((n, l) => n + l.passed, 0)
const failed = legs.reduce((n, l) => n + l.failed, 0)
const failureLines = legs.flatMap((l) => (l.failures ?? []).map((f) => `  ${l.leg}: ${f}`))
if (failureLines.length > 0) process.stdout.write(`\nFailed:\n${failureLines.join('\n')}\n`)
process.stdout.write(
  `\n${legs.map((l) => `${l.leg}: ${l.passed} passed, ${l.failed} failed`).join('\n')}\n${pgLine}\n${mongoLine}\n`,
)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(legs.every((l) => l.exit === 0) && failed === 0 ? 0 : 1)
