// Jest's node environment, plus the real jsdom and linkedom for test/setup/jsdom-native.cjs and
// linkedom-native.cjs. Both require ESM-only packages from CommonJS (jsdom 29: @exodus/bytes;
// linkedom 0.18: css-select 7): Node 20.19+ allows that natively, Jest's module system does not
// ("Must use import to load ES Module"). Loaded here, outside the test's sandbox, it is Node that
// loads them. A JSDOM window is a realm of its own either way.
//
// On the PostgreSQL leg (PG_TEST_BASE_URI, set by scripts/test.mjs) every test file gets a database
// of its own, `test_<run>_<random>`, created before the file runs and dropped after it
// (test/setup/env.ts points DATABASE_URI at it). A database whose connections the file left open
// (a pool or transaction it never closed) is not torn from under them, which would crash this
// worker: scripts/test.mjs drops what is left of its run once jest has exited.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'

import { TestEnvironment } from 'jest-environment-node'

import { timeScale } from './timeScale.mjs'

const nodeRequire = createRequire(import.meta.url)

/** Runs one statement on the server's maintenance database. */
const onServer = async (base, statement) => {
  const { Client } = nodeRequire('pg')
  const url = new URL(base)
  url.pathname = '/postgres'
  const client = new Client({ connectionString: url.toString() })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export default class NewsroomEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    // Loaded on first use: most test files never touch it.
    Object.defineProperty(this.global, '__nodeJsdom', { get: () => nodeRequire('jsdom') })
    Object.defineProperty(this.global, '__nodeLinkedom', { get: () => nodeRequire('linkedom') })
    this.timeScale = timeScale()
    // Named here, before jest loads test/setup/env.ts into the sandbox; created in setup().
    this.pgBase = process.env.PG_TEST_BASE_URI
    if (this.pgBase) {
      const run = (process.env.PG_TEST_RUN || 'x').replace(/[^a-z0-9]/gi, '')
      this.pgDatabase = `test_${run}_${randomBytes(6).toString('hex')}`
      const url = new URL(this.pgBase)
      url.pathname = `/${this.pgDatabase}`
      this.global.process.env.PG_TEST_DATABASE_URI = url.toString()
    }
  }

  async setup() {
    await super.setup()
    if (this.pgDatabase) await onServer(this.pgBase, `CREATE DATABASE "${this.pgDatabase}"`)
  }

  async teardown() {
    if (this.pgDatabase) {
      try {
        await onServer(this.pgBase, `DROP DATABASE IF EXISTS "${this.pgDatabase}"`)
      } catch (err) {
        // 55006: still in use; the run's sweep drops it.
        if (err.code !== '55006') throw err
      }
    }
    await super.teardown()
  }

  /**
   * A timeout a test or hook names (`it(name, fn, 110_000)`) is what it needs on a quiet machine:
   * scaled here to this one's load, as the default is (jest.config.mjs). On a shared CI machine a
   * fixed deadline fails tests that are merely slow, and a test that fails under load gets ignored.
   */
  handleTestEvent(event, state) {
    if (event.name !== 'add_test' && event.name !== 'add_hook') return
    if (typeof event.timeout !== 'number' || this.timeScale === 1) return
    const block = state.currentDescribeBlock
    const added = event.name === 'add_test' ? block.children.at(-1) : block.hooks.at(-1)
    if (added && added.timeout === event.timeout)
      added.timeout = Math.round(event.timeout * this.timeScale)
  }
}
