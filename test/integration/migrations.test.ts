import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { MIGRATION_DIRS } from '../../src/db'
import { bootPayload } from '../helpers/payload'

/**
 * Each SQL dialect's committed migrations are the config's schema: what `payload migrate:create`
 * would write next is nothing (the same diff of the latest snapshot against the config), and they
 * run on an empty database (this file boots on one). The SQLite leg checks `migrations/`, the
 * PostgreSQL leg `migrations-postgres/` (both run in CI). A schema change without its migration
 * fails here, naming the statements the missing migration would hold. (drizzle-kit's push diff of a
 * migrated database is not used: it reports numeric defaults on Postgres and a media table rebuild
 * on SQLite that the migrations already match.)
 */
type DrizzleKit = {
  generateDrizzleJson: (schema: unknown) => Promise<unknown>
  generateMigration: (before: unknown, after: unknown) => Promise<string[]>
  upSnapshot?: (snapshot: unknown) => unknown
}
type DrizzleAdapter = {
  name: string
  schema: unknown
  migrationDir: string
  requireDrizzleKit: () => DrizzleKit
}

let payload: Payload
let tmp: string | undefined
let adapter: DrizzleAdapter

beforeAll(async () => {
  // In-memory SQLite is pushed, not migrated: check the SQLite migrations on a file they build.
  if (process.env.DATABASE_URI === ':memory:') {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'))
    process.env.DATABASE_URI = path.join(tmp, 'migrated.db')
  }
  payload = await bootPayload()
  adapter = payload.db as unknown as DrizzleAdapter
}, 120_000)

afterAll(async () => {
  await payload?.destroy()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

const sqlDialect = () => ['sqlite', 'postgres'].includes(adapter.name)

describe('the committed migrations of this database dialect', () => {
  it('live in the folder of their dialect', () => {
    if (!sqlDialect()) return
    expect(adapter.migrationDir).toBe(MIGRATION_DIRS[adapter.name as 'sqlite' | 'postgres'])
  })

  it('leave nothing for migrate:create to write (the latest snapshot is the config)', async () => {
    if (!sqlDialect()) return
    const kit = adapter.requireDrizzleKit()
    const latest = fs
      .readdirSync(adapter.migrationDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .at(-1)
    expect(latest).toBeDefined()
    let before: unknown = JSON.parse(
      fs.readFileSync(path.join(adapter.migrationDir, latest!), 'utf8'),
    )
    const after = (await kit.generateDrizzleJson(adapter.schema)) as { version: string }
    if (kit.upSnapshot && (before as { version: string }).version < after.version)
      before = kit.upSnapshot(before)
    expect(await kit.generateMigration(before, after)).toEqual([])
  })
})
