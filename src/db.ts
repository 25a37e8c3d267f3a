import path from 'node:path'

import { mongooseAdapter } from '@payloadcms/db-mongodb'
import { sqliteAdapter } from '@payloadcms/db-sqlite'
import type { DatabaseAdapterObj } from 'payload'
import { settings } from './config'

/** The default embedded database, relative to the working directory. */
export const DEFAULT_SQLITE_FILE = './data/newsroom.db'

export type DatabaseKind = 'mongodb' | 'sqlite'

export type DatabaseTarget = {
  kind: DatabaseKind
  /** The URL handed to the driver. */
  url: string
  /** A URL safe to print: credentials removed. */
  display: string
  /** SQLite in memory: schema is pushed, nothing persists, no migrations. */
  inMemory: boolean
}

const redact = (uri: string): string => uri.replace(/\/\/([^@/]+)@/, '//***@')

/**
 * `DATABASE_URI` decides the adapter: a `mongodb://` or `mongodb+srv://` URL means MongoDB; anything
 * else is an SQLite file path (or `file:` URL, or `:memory:`), by default `./data/newsroom.db`.
 */
export const resolveDatabase = (
  uri: string | undefined = settings().databaseUri,
): DatabaseTarget => {
  const value = (uri ?? '').trim()
  if (/^mongodb(\+srv)?:\/\//i.test(value)) {
    return { kind: 'mongodb', url: value, display: redact(value), inMemory: false }
  }
  if (value === ':memory:' || value === 'file::memory:') {
    return { kind: 'sqlite', url: ':memory:', display: 'sqlite::memory:', inMemory: true }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file:')) {
    throw new Error(
      `DATABASE_URI "${redact(value)}" is neither a mongodb:// URL nor an SQLite file path. ` +
        'Set it to mongodb://host/db for MongoDB, or to a file path (default ./data/newsroom.db) for SQLite.',
    )
  }
  const file = path.resolve(value.replace(/^file:/, '') || DEFAULT_SQLITE_FILE)
  return { kind: 'sqlite', url: `file:${file}`, display: `sqlite:${file}`, inMemory: false }
}

/**
 * The Payload database adapter for a target. A persistent SQLite database is never push-synced: its
 * schema comes from the committed migrations only (see payload.config.ts `onInit`), because a
 * database that was ever pushed makes `payload migrate` stop at an interactive question.
 */
export const databaseAdapter = (target: DatabaseTarget = resolveDatabase()): DatabaseAdapterObj => {
  if (target.kind === 'mongodb') {
    return mongooseAdapter({
      url: target.url,
      // Fail fast with a clear message instead of hanging when the server is unreachable.
      connectOptions: { serverSelectionTimeoutMS: settings().mongodbTimeoutMs },
    })
  }
  return sqliteAdapter({
    client: { url: target.url },
    push: target.inMemory,
    migrationDir: path.resolve('migrations'),
    idType: 'number',
    wal: target.inMemory ? false : { journalSizeLimit: 64 * 1024 * 1024, synchronous: 'NORMAL' },
    busyTimeout: 5000,
  })
}
