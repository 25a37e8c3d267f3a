// `npm test`: the whole default suite. Runs jest on the embedded SQLite database (every test file gets
// its own in-memory database), then the integration suite again on MongoDB when one is reachable
// (MONGODB_URI, or mongodb-memory-server given a mongod binary) and says plainly when it is not.
// Extra arguments are passed to jest (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { buildIfNeeded } from './build-if-needed.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'test-output')
fs.mkdirSync(outDir, { recursive: true })
const passthrough = process.argv.slice(2)

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
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  )
  let passed
  let failed
  if (fs.existsSync(outputFile)) {
    const json = JSON.parse(fs.readFileSync(outputFile, 'utf8'))
    passed = json.numPassedTests
    failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0)
  } else {
    failed = 1
  }
  return { leg, passed, failed, exit: result.status ?? 1 }
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
if (!process.env.SKIP_ADMIN_BUILD) buildIfNeeded()

const legs = []
legs.push(runJest('sqlite', passthrough, { DATABASE_URI: ':memory:' }))

const mongo = await findMongo()
let mongoLine
if (mongo.uri) {
  const args = passthrough.length > 0 ? passthrough : ['test/integration']
  const leg = runJest('mongodb', args, { MONGO_TEST_BASE_URI: mongo.uri })
  await mongo.stop()
  legs.push(leg)
  mongoLine = `MongoDB leg: ran on ${mongo.uri.replace(/\/\/([^@/]+)@/, '//***@')}: ${leg.passed} passed, ${leg.failed} failed`
} else {
  mongoLine = `MongoDB leg: NOT RUN (${mongo.reason}); only the SQLite leg ran, MongoDB is not counted as passed`
}

const passed = legs.reduce((n, l) => n + l.passed, 0)
const failed = legs.reduce((n, l) => n + l.failed, 0)
process.stdout.write(
  `\n${legs.map((l) => `${l.leg}: ${l.passed} passed, ${l.failed} failed`).join('\n')}\n${mongoLine}\n`,
)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(legs.every((l) => l.exit === 0) && failed === 0 ? 0 : 1)
