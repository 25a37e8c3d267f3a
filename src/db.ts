import path from 'node:path'

import { mongooseAdapter } from '@payloadcms/db-mongodb'
import { postgresAdapter, type PostgresAdapter } from '@payloadcms/db-postgres'
import { sqliteAdapter, type SQLiteSchemaHook } from '@payloadcms/db-sqlite'
import type { Column, SQL } from '@payloadcms/db-sqlite/drizzle'
import type { DatabaseAdapterObj } from 'payload'
import { settings } from './config'

/** The default embedded database, relative to the working directory. */
export const DEFAULT_SQLITE_FILE = './data/newsroom.db'

export type DatabaseKind = 'mongodb' | 'postgres' | 'sqlite'

export type DatabaseTarget = {
  kind: DatabaseKind
  /** The URL handed to the driver. */
  url: string
  /** A URL safe to print: credentials removed. */
  display: string
  /** SQLite in memory: schema is pushed, nothing persists, no migrations. */
  inMemory: boolean
}

/** Where each dialect's migrations live: generated from the same config, one folder per SQL dialect. */
export const MIGRATION_DIRS = {
  sqlite: path.resolve('migrations'),
  postgres: path.resolve('migrations-postgres'),
} as const

const redact = (uri: string): string => uri.replace(/\/\/([^@/]+)@/, '//***@')

/**
 * `DATABASE_URI` decides the adapter: a `mongodb://` or `mongodb+srv://` URL means MongoDB, a
 * `postgres://` or `postgresql://` URL PostgreSQL; anything else is an SQLite file path (or `file:`
 * URL, or `:memory:`), by default `./data/newsroom.db`.
 */
export const resolveDatabase = (
  uri: string | undefined = settings().databaseUri,
): DatabaseTarget => {
  const value = (uri ?? '').trim()
  if (/^mongodb(\+srv)?:\/\//i.test(value)) {
    return { kind: 'mongodb', url: value, display: redact(value), inMemory: false }
  }
  if (/^postgres(ql)?:\/\//i.test(value)) {
    return { kind: 'postgres', url: value, display: redact(value), inMemory: false }
  }
  if (value === ':memory:' || value === 'file::memory:') {
    return { kind: 'sqlite', url: ':memory:', display: 'sqlite::memory:', inMemory: true }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file:')) {
    throw new Error(
      `DATABASE_URI "${redact(value)}" is neither a mongodb://, a postgres:// URL nor an SQLite file path. ` +
        'Set it to mongodb://host/db for MongoDB, postgres://user@host:5432/db for PostgreSQL, ' +
        'or to a file path (default ./data/newsroom.db) for SQLite.',
    )
  }
  const file = path.resolve(value.replace(/^file:/, '') || DEFAULT_SQLITE_FILE)
  return { kind: 'sqlite', url: `file:${file}`, display: `sqlite:${file}`, inMemory: false }
}

/**
 * The Payload database adapter for a target. A persistent SQL database is never push-synced: its
 * schema comes from the committed migrations only (see payload.config.ts `onInit`), because a
 * database that was ever pushed makes `payload migrate` stop at an interactive question (on
 * PostgreSQL a production start then hangs there). PostgreSQL is always migrated, even the tests'
 * throw-away databases, so the committed Postgres migrations are what every test runs on.
 */
export const databaseAdapter = (
  target: DatabaseTarget = resolveDatabase(),
  options: {
    /**
     * PostgreSQL only: push the config's schema instead of migrating. For a test's throw-away
     * database whose config is not the app's (no migrations exist for it); never for a database
     * that production will use.
     * @default false
     */
    pushSchema?: boolean
    /**
     * SQLite: hooks that extend the schema after Payload built it (indexes a collection's config
     * cannot declare, e.g. collections/Posts/versionIndexes.ts); the app's config passes its own.
     * @default []
     */
    sqliteSchemaHooks?: SQLiteSchemaHook[]
    /**
     * SQLite: wraps the adapter's `like` operator (collections/Posts/searchIndex.ts serves the posts'
     * search from a trigram index under it); the app's config passes its own.
     * @default none (Payload's operator)
     */
    sqliteLike?: (like: LikeOperator) => LikeOperator
  } = {},
): DatabaseAdapterObj => {
  if (target.kind === 'mongodb') {
    return mongooseAdapter({
      url: target.url,
      // Fail fast with a clear message instead of hanging when the server is unreachable.
      connectOptions: { serverSelectionTimeoutMS: settings().mongodbTimeoutMs },
    })
  }
  if (target.kind === 'postgres') {
    return withPoolLifecycle(
      postgresAdapter({
        pool: { connectionString: target.url },
        push: options.pushSchema ?? false,
        migrationDir: MIGRATION_DIRS.postgres,
        idType: 'serial',
      }),
    )
  }
  const sqlite = sqliteAdapter({
    client: { url: target.url },
    push: target.inMemory,
    migrationDir: MIGRATION_DIRS.sqlite,
    idType: 'number',
    wal: target.inMemory ? false : { journalSizeLimit: 64 * 1024 * 1024, synchronous: 'NORMAL' },
    busyTimeout: 5000,
    afterSchemaInit: options.sqliteSchemaHooks ?? [],
  })
  return options.sqliteLike ? withLikeOperator(sqlite, options.sqliteLike) : sqlite
}

/** The operator Payload's SQL adapters build each `like` word with (`LIKE '%word%'`). */
export type LikeOperator = (column: Column, value: string | SQL) => SQL

/**
 * The adapter with its `like` operator replaced: @payloadcms/drizzle builds every `like` word from
 * `adapter.operators.like`, so this is the one place a text search can be served differently.
 */
const withLikeOperator = (
  base: DatabaseAdapterObj,
  wrap: (like: LikeOperator) => LikeOperator,
): DatabaseAdapterObj => ({
  ...base,
  init: (args) => {
    const adapter = base.init(args) as unknown as { operators: { like: LikeOperator } }
    adapter.operators = { ...adapter.operators, like: wrap(adapter.operators.like) }
    return adapter as unknown as ReturnType<DatabaseAdapterObj['init']>
  },
})

/**
 * Two gaps of @payloadcms/db-postgres 3.90 closed around its pool: nothing listens for the pool's
 * `error` event, so an idle connection the server drops (a restart, `pg_terminate_backend`) crashes
 * the process; and `payload.destroy()` never ends the pool, whose connections then keep the process
 * (and the database) open. The pool is made here, before the adapter's `connect`, which then uses it
 * as it is (and skips checking out a client it would never give back, which would make `end()` wait
 * forever).
 */
const withPoolLifecycle = (base: DatabaseAdapterObj): DatabaseAdapterObj => ({
  ...base,
  init: (args) => {
    const adapter = base.init(args) as unknown as PostgresAdapter
    const connect = adapter.connect!
    const destroy = adapter.destroy!
    adapter.connect = async function (this: PostgresAdapter, options) {
      if (!this.pool) {
        const pool = new this.pg.Pool(this.poolOptions)
        pool.on('error', (err) =>
          this.payload.logger.error({ err, msg: 'PostgreSQL: an idle connection failed' }),
        )
        this.pool = pool
      }
      await connect.call(this, options)
    }
    adapter.destroy = async function (this: PostgresAdapter) {
      const pool = this.pool
      await destroy.call(this)
      if (!pool || pool.ended || pool.ending) return
      ;(this as { pool?: unknown }).pool = undefined
      await pool.end()
    }
    return adapter as unknown as ReturnType<DatabaseAdapterObj['init']>
  },
})
