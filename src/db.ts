import path from 'node:path'

import { mongooseAdapter } from '@payloadcms/db-mongodb'
import { postgresAdapter, type PostgresAdapter } from '@payloadcms/db-postgres'
import { sqliteAdapter, type SQLiteSchemaHook } from '@payloadcms/db-sqlite'
import type { Column, SQL } from '@payloadcms/db-sqlite/drizzle'
import { drizzle } from 'drizzle-orm/node-postgres'
import { withReplicas } from 'drizzle-orm/pg-core'
import type { DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'
import type { Pool } from 'pg'

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
    /**
     * PostgreSQL: URLs of read replicas of the database.
     * @default settings().databaseReplicaUris (DATABASE_REPLICA_URIS)
     */
    readReplicas?: string[]
  } = {},
): DatabaseAdapterObj => {
  if (target.kind === 'mongodb') {
    return mongooseAdapter({
      url: target.url,
      // Fail fast with a clear message instead of hanging when the server is unreachable.
      connectOptions: { serverSelectionTimeoutMS: settings().mongodbTimeoutMs },
    })
  }
  const replicas = options.readReplicas ?? settings().databaseReplicaUris
  if (replicas.length > 0 && target.kind !== 'postgres') {
    throw new Error(
      `DATABASE_REPLICA_URIS is set but DATABASE_URI (${target.display}) is not PostgreSQL: read replicas are for a postgres:// database only. Unset DATABASE_REPLICA_URIS.`,
    )
  }
  if (target.kind === 'postgres') {
    return withPoolLifecycle(
      replicas,
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
/** The id of the pseudo-session whose database is the primary (see `primaryRequest`). */
const PRIMARY_SESSION = 'newsroom-primary'

type ReplicatedAdapter = {
  primaryDrizzle?: unknown
  sessions?: Record<string, unknown>
}

/**
 * A `req` for `payload.db.*` calls that must read the primary, never a read replica: the shared
 * counters, job claims. With read replicas, db-postgres sends a read without a transaction to a
 * random replica (or to the primary for `readReplicasAfterWriteInterval` after this process's own
 * last write); a read inside a transaction uses the transaction's connection. This names a session
 * whose connection is the primary's pool, so those reads see every committed write of every
 * server. Not for Local API operations (`payload.find`): they would take it for their own
 * transaction. Without replicas (and on SQLite, MongoDB) it is an empty request.
 */
export const primaryRequest = (payload: Payload): Partial<PayloadRequest> => {
  const adapter = payload.db as unknown as ReplicatedAdapter
  if (!adapter.primaryDrizzle || !adapter.sessions) return {}
  adapter.sessions[PRIMARY_SESSION] ??= {
    db: adapter.primaryDrizzle,
    // Never committed or rolled back: it is no transaction, only a connection choice.
    resolve: () => undefined,
    reject: () => undefined,
  }
  return { transactionID: PRIMARY_SESSION }
}

/**
 * Runs `work` with every query of the adapter on the primary: start-up's migrations must read the
 * migrations table where they write it. With read replicas, the adapter's `migrate` reads it as a
 * plain read, from a replica, which lags behind the primary: a server starting just after another
 * migrated a fresh database found no `payload_migrations` table there and failed to start (seen in
 * test/postgres/read-replicas.test.ts), and a replica behind by one migration would have it run
 * twice. Only for start-up, before the server serves anything: the adapter is switched for the
 * duration. Without replicas (and on SQLite, MongoDB) it just runs `work`.
 */
export const onPrimary = async <T>(payload: Payload, work: () => Promise<T>): Promise<T> => {
  const adapter = payload.db as unknown as ReplicatedAdapter & { drizzle?: unknown }
  if (!adapter.primaryDrizzle) return work()
  const replicated = adapter.drizzle
  adapter.drizzle = adapter.primaryDrizzle
  try {
    return await work()
  } finally {
    adapter.drizzle = replicated
  }
}

/**
 * Two gaps of @payloadcms/db-postgres 3.90 closed around its pool: nothing listens for the pool's
 * `error` event, so an idle connection the server drops (a restart, `pg_terminate_backend`) crashes
 * the process; and `payload.destroy()` never ends the pool, whose connections then keep the process
 * (and the database) open. The pool is made here, before the adapter's `connect`, which then uses it
 * as it is (and skips checking out a client it would never give back, which would make `end()` wait
 * forever).
 *
 * Read replicas are wired here too, as the adapter's `readReplicas` option does it (drizzle's
 * `withReplicas`, the primary kept as `primaryDrizzle`), because that option has both gaps for the
 * replicas' pools and checks out one client of each that is never given back.
 */
const withPoolLifecycle = (
  replicaUris: string[],
  base: DatabaseAdapterObj,
): DatabaseAdapterObj => ({
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
      if (replicaUris.length === 0) return
      replicaPools ??= replicaUris.map((connectionString) => {
        const pool = new this.pg.Pool({ ...this.poolOptions, connectionString })
        pool.on('error', (err) =>
          this.payload.logger.error({ err, msg: 'PostgreSQL replica: an idle connection failed' }),
        )
        return pool
      })
      const primary = this.drizzle
      const logger = this.logger || false
      const readers = replicaPools.map((client) => drizzle({ client, logger, schema: this.schema }))
      this.primaryDrizzle = primary
      this.drizzle = withReplicas(
        primary,
        readers as unknown as [typeof primary],
      ) as unknown as typeof primary
    }
    let replicaPools: Pool[] | undefined
    adapter.destroy = async function (this: PostgresAdapter) {
      const pool = this.pool
      const replicas = replicaPools ?? []
      replicaPools = undefined
      await destroy.call(this)
      await Promise.all(replicas.map((replica) => replica.end()))
      if (!pool || pool.ended || pool.ending) return
      ;(this as { pool?: unknown }).pool = undefined
      await pool.end()
    }
    return adapter as unknown as ReturnType<DatabaseAdapterObj['init']>
  },
})
