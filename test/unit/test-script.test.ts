import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { describe, expect, it } from '@jest/globals'

describe('npm test', () => {
  it('passes --listTests to jest and exits 0 with the list, never "undefined passed, NaN failed"', () => {
    const result = spawnSync(process.execPath, [path.resolve('scripts/test.mjs'), '--listTests'], {
      encoding: 'utf8',
      env: { ...process.env, SKIP_ADMIN_BUILD: '1' },
      timeout: 120_000,
    })
    expect(result.stdout).toContain(path.join('test', 'unit', 'test-script.test.ts'))
    expect(result.stdout).not.toMatch(/NaN|undefined passed/)
    expect(result.status).toBe(0)
  })

  /** `npm test`'s summary, for a selection that matches no test file (the legs run, and are quick). */
  const summary = (env: Record<string, string>) => {
    const result = spawnSync(
      process.execPath,
      [path.resolve('scripts/test.mjs'), '--passWithNoTests', 'no-test-file-matches-this-pattern'],
      {
        encoding: 'utf8',
        // A mongod that cannot start: the MongoDB leg is not run, whatever this machine has.
        env: {
          ...process.env,
          SKIP_ADMIN_BUILD: '1',
          MONGODB_URI: '',
          PG_TEST_REQUIRED: '',
          MONGOMS_SYSTEM_BINARY: '/nonexistent/mongod',
          ...env,
        },
        timeout: 240_000,
      },
    )
    expect(result.status).toBe(0)
    return result.stdout.split('\n').find((l) => l.startsWith('MongoDB leg:')) ?? result.stdout
  }

  it('says the SQLite and PostgreSQL legs ran when MongoDB was not run and PostgreSQL was', () => {
    const line = summary({
      PG_TEST_BASE_URI: process.env.PG_TEST_BASE_URI ?? 'postgres://postgres@127.0.0.1:5432/',
    })
    expect(line).toMatch(/^MongoDB leg: NOT RUN \(.*\); the SQLite and PostgreSQL legs ran,/)
  })

  it('says only the SQLite leg ran when no PostgreSQL answered either', () => {
    const line = summary({ PG_TEST_BASE_URI: 'postgres://postgres@127.0.0.1:1/' })
    expect(line).toMatch(/^MongoDB leg: NOT RUN \(.*\); only the SQLite leg ran,/)
  })
})
