import { randomUUID } from 'node:crypto'

import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Payload } from 'payload'

import { BulkWriter, type DrizzleLike, type Row } from './bulk'
import { acquireSqliteWriteLock } from '../lib/sqliteWriteLock'

/**
 * The post store's uses of the SQLite adapter's internals (with ./bulk.ts, ./postgres.ts and
 * ./optimizeDatabase.ts): its transactions, the bulk writer's id allocation, and the archive-scale
 * SELECTs on the drizzle tables (those also serve PostgreSQL). Pinned by
 * test/importer/bulk-equivalence.test.ts and test/importer/internals.test.ts.
 */

type AdapterBase = {
  name?: string
  clientConfig?: { url?: string }
  busyTimeout?: number
  wal?: boolean | { synchronous?: string }
}

/** True for `@payloadcms/db-sqlite` (the adapter the bulk writer and the transactions below know). */
export const isSqlite = (payload: Payload): boolean =>
  (payload.db as unknown as AdapterBase).name === 'sqlite'

/** True for `@payloadcms/db-postgres`. */
export const isPostgres = (payload: Payload): boolean =>
  (payload.db as unknown as AdapterBase).name === 'postgres'

/** The drizzle adapters, whose tables the plain SELECTs below read. */
const hasDrizzleTables = (payload: Payload): boolean => isSqlite(payload) || isPostgres(payload)

/** How the import's batches become transactions (an id goes into `req.transactionID`). */
export interface WriteTransactions {
  /** Begins one; null where the database cannot have one. */
  begin(): Promise<number | string | null>
  /** Commits it; throws when the commit fails (the batch is then not stored). */
  commit(id: number | string): Promise<void>
  rollback(id: number | string): Promise<void>
  /** Releases what the run held (its own connection). */
  close(): Promise<void>
}

type Session = { db: unknown; resolve: () => Promise<void>; reject: () => Promise<void> }
type SqliteAdapter = AdapterBase & {
  client?: { execute: (sql: string) => Promise<unknown> }
  drizzle: unknown
  sessions: Record<string, Session | undefined>
  transactionOptions?: unknown
}

/**
 * Transactions for the import's batches.
 *
 * `@payloadcms/db-sqlite` turns transactions off unless configured (`transactionOptions`): its
 * `beginTransaction` returns null and every statement commits on its own, so a crash between a post
 * and its version left the post without one (issue 12, defect 1).
 *
 * So on SQLite each batch is `BEGIN IMMEDIATE` ... `COMMIT` on the adapter's own connection,
 * registered as an adapter session under the id in `req.transactionID` (Payload then leaves the
 * transaction to its owner, as with its own). Not a second connection: libsql runs statements
 * synchronously on this thread, so a write on another connection of this process while a batch holds
 * the lock would block the thread (busy timeout) with the batch unable to finish; the CLI's progress
 * updates did exactly that. The price: a write by anything else in this process during a batch
 * (an editor's save while the server imports) joins the batch, and is undone with it if the batch is
 * rolled back, which happens only when the run fails outright (logged). Where the adapter has its own
 * transactions (configured SQLite, MongoDB replica sets) they are used as they are.
 */
/**
 * SQLite's page cache for the connection while an import writes (KiB; SQLite's default is 2 MiB).
 * A batch inserts into the posts' and versions' indexes all over: with the default cache their pages
 * were evicted and read back again and again (a 64k import, measured back to back: 88 s with
 * 2 MiB, 83 s with 64 MiB; 32 MiB keeps most of that for half the memory). Set at the run's first
 * batch, restored when the run ends.
 */
const IMPORT_CACHE_KIB = 32 * 1024

/**
 * How much the write-ahead log grows while an import writes before SQLite copies it into the
 * database (a checkpoint; SQLite's default is every 1,000 pages, 4 MiB). Each batch touches the
 * same index pages, FTS segments and table tails as the last: checkpointed every few batches, they
 * were written to the database again and again. Every 256 MiB, each is written once per checkpoint
 * (the 16k-file import, alternating runs: 21.7 s against 22.6 s). Set with the page cache, restored
 * when the run ends; the log file is truncated back to the adapter's `journalSizeLimit` at the next
 * checkpoint after that.
 */
const IMPORT_WAL_BYTES = 256 * 1024 * 1024

/** A numeric PRAGMA's value on this connection. */
const pragmaNumber = async (
  client: { execute: (sql: string) => Promise<unknown> },
  name: string,
): Promise<number> => {
  const { rows } = (await client.execute(`PRAGMA ${name}`)) as { rows: unknown[][] }
  const value = Number(rows?.[0]?.[0])
  if (!Number.isFinite(value)) throw new Error(`SQLite answered no number for PRAGMA ${name}`)
  return value
}

export const openWriteTransactions = async (payload: Payload): Promise<WriteTransactions> => {
  const adapter = payload.db as unknown as SqliteAdapter
  if (!isSqlite(payload) || adapter.transactionOptions || !adapter.client) {
    return {
      begin: async () => (await payload.db.beginTransaction()) ?? null,
      commit: async (id) => payload.db.commitTransaction(id),
      rollback: async (id) => payload.db.rollbackTransaction(id),
      close: async () => {},
    }
  }
  const client = adapter.client
  // Payload ends a session through these when it owns the transaction; the importer owns these.
  const settled = async () => {}
  let cacheBefore: number | undefined
  let walPagesBefore = 1000
  // A job's fenced effect (src/jobs/fence.ts) may want the connection too: one transaction at a time.
  const held = new Map<string, () => void>()
  const releaseFor = (id: number | string) => {
    held.get(String(id))?.()
    held.delete(String(id))
  }
  return {
    begin: async () => {
      const release = await acquireSqliteWriteLock(payload)
      try {
        if (cacheBefore === undefined) {
          cacheBefore = await pragmaNumber(client, 'cache_size')
          await client.execute(`PRAGMA cache_size = -${IMPORT_CACHE_KIB}`)
          walPagesBefore = await pragmaNumber(client, 'wal_autocheckpoint')
          const pageSize = (await pragmaNumber(client, 'page_size')) || 4096
          await client.execute(
            `PRAGMA wal_autocheckpoint = ${Math.ceil(IMPORT_WAL_BYTES / pageSize)}`,
          )
        }
        await client.execute('BEGIN IMMEDIATE')
      } catch (err) {
        release()
        throw err
      }
      const id = randomUUID()
      held.set(id, release)
      adapter.sessions[id] = { db: adapter.drizzle, resolve: settled, reject: settled }
      return id
    },
    commit: async (id) => {
      delete adapter.sessions[String(id)]
      try {
        await client.execute('COMMIT')
      } catch (err) {
        // Left open, the transaction would take in every later statement of this process.
        await client
          .execute('ROLLBACK')
          .catch((rollbackErr: unknown) =>
            payload.logger.error({ err: rollbackErr, msg: `import: batch ${id}: rollback failed` }),
          )
        throw err
      } finally {
        releaseFor(id)
      }
    },
    rollback: async (id) => {
      delete adapter.sessions[String(id)]
      payload.logger.error({ msg: `import: batch ${id} rolled back` })
      try {
        await client.execute('ROLLBACK')
      } finally {
        releaseFor(id)
      }
    },
    close: async () => {
      if (cacheBefore === undefined) return
      await client.execute(`PRAGMA cache_size = ${cacheBefore}`)
      await client.execute(`PRAGMA wal_autocheckpoint = ${walPagesBefore}`)
      cacheBefore = undefined
    },
  }
}

type LibsqlClient = { execute: (stmt: { sql: string; args: never }) => Promise<unknown> }
type Columns = Record<string, unknown>
type Drizzle = {
  select: (cols: Columns) => {
    from: (t: unknown) => PromiseLike<Row[]> & { where: (w: unknown) => PromiseLike<Row[]> }
  }
}
type TablesAdapter = { drizzle: Drizzle; tables: Record<string, Columns>; versionsSuffix?: string }

const tablesOf = (payload: Payload) => {
  const adapter = payload.db as unknown as TablesAdapter
  const table = (name: string) => {
    const t = adapter.tables[name]
    if (!t) throw new Error(`store: no table "${name}" in the database adapter`)
    return t
  }
  const column = (t: Columns, tableName: string, key: string) => {
    if (!(key in t)) throw new Error(`store: no column "${key}" in table "${tableName}"`)
    return t[key]
  }
  const pick = (t: Columns, name: string, keys: Record<string, string>) =>
    Object.fromEntries(Object.entries(keys).map(([as, key]) => [as, column(t, name, key)]))
  return { adapter, table, column, pick }
}

/**
 * The content hashes of imported posts that have their latest version (./lookup.ts
 * `knownContentHashes`), on SQLite and PostgreSQL with two plain SELECTs on the adapter's drizzle
 * tables (through `payload.db.find`, page by page, 64k posts took about ten seconds). Undefined on
 * other adapters. test/importer/internals.test.ts pins it against the public path.
 */
export const knownHashesPlain = async (
  payload: Payload,
): Promise<{ hashes: Set<string>; byUrl: Map<string, KnownPost> } | undefined> => {
  if (!hasDrizzleTables(payload)) return undefined
  const { adapter, table, column, pick } = tablesOf(payload)
  const posts = table('posts')
  const versionsName = `_posts${adapter.versionsSuffix ?? '_v'}`
  const versions = table(versionsName)
  // Every post (a staff post shares a URL with no hash), the columns before the big ones: reading
  // the hash already walks each row that far.
  const postRows = await adapter.drizzle
    .select(
      pick(posts, 'posts', {
        id: 'id',
        sourceUrl: 'sourceUrl',
        contentHash: 'provenance_contentHash',
      }),
    )
    .from(posts)
  const versionRows = await adapter.drizzle
    .select(pick(versions, versionsName, { parent: 'parent' }))
    .from(versions)
    // An integer on SQLite, a boolean on PostgreSQL: true either way.
    .where(sql`${column(versions, versionsName, 'latest')}`)
  const withVersion = new Set(versionRows.map((v) => String(v.parent)))
  const hashes = new Set<string>()
  const byUrl = new Map<string, KnownPost>()
  const shared = new Set<string>()
  for (const p of postRows) {
    const url = p.sourceUrl == null ? undefined : String(p.sourceUrl)
    if (url !== undefined && byUrl.has(url)) shared.add(url)
    if (p.contentHash == null || !withVersion.has(String(p.id))) {
      if (url !== undefined) byUrl.set(url, { id: p.id as number })
      continue
    }
    hashes.add(String(p.contentHash))
    if (url !== undefined)
      byUrl.set(url, { id: p.id as number, contentHash: String(p.contentHash) })
  }
  for (const url of shared) byUrl.delete(url)
  return { hashes, byUrl }
}

/**
 * What the archive-scale read knows of a post, by its URL (one post per URL only): its id, and its
 * content hash when an import made it and it has its version.
 */
export type KnownPost = { id: number; contentHash?: string }

/** The columns of `posts` the store's lookup reads (FoundPost's), as the adapter's find names them. */
const LOOKUP_COLUMNS = {
  lean: {
    id: 'id',
    slug: 'slug',
    sourceUrl: 'sourceUrl',
    source: 'source',
    _status: '_status',
    editorialState: 'editorialState',
    updatedAt: 'updatedAt',
    contentHash: 'provenance_contentHash',
    importRun: 'provenance_importRun',
    importedAt: 'provenance_importedAt',
  },
  /**
   * The feed keys. Columns added after the source document (`provenance_source`, the size of the
   * article): SQLite reads a column by walking its row's record up to it, overflow pages and all, so
   * a lookup that reads these reads every byte of each post (a re-import of the 64k archive, which
   * needs none of them, spent 3 s more).
   */
  feed: {
    matchUrl: 'provenance_matchUrl',
    guid: 'provenance_guid',
  },
  text: {
    title: 'title',
    contentHtml: 'contentHtml',
    publishedAt: 'publishedAt',
    createdAt: 'createdAt',
  },
} as const

/** The keys of ./lookup.ts `lookupPosts`, chunked as it chunks them. */
export type LookupWhere =
  { archiveKeys: string[] } | { matchKeys: string[] } | { source: number | string; guids: string[] }

/**
 * `lookupPosts`'s two reads on SQLite as plain SELECTs on the adapter's drizzle tables: the posts one
 * key list matches (indexed `IN`), and the `updatedAt` of their latest versions. Through
 * `payload.db.find` the same 64k-post re-import spent 6 s of its main thread in the adapter's
 * row transform and query building (the plain read: under 1 s). SQLite only (one connection: it
 * reads inside the import's open batch as the adapter's find does); undefined elsewhere.
 * test/importer/internals.test.ts pins it against the adapter's path.
 */
export const lookupPlain = async (
  payload: Payload,
  where: LookupWhere,
  { withText, feedKeys }: { withText: boolean; feedKeys: boolean },
): Promise<{ posts: Row[]; latest: Row[] } | undefined> => {
  if (!isSqlite(payload)) return undefined
  const { adapter, table, column, pick } = tablesOf(payload)
  const posts = table('posts')
  const versionsName = `_posts${adapter.versionsSuffix ?? '_v'}`
  const versions = table(versionsName)
  const col = (key: string) => column(posts, 'posts', key)
  const condition =
    'archiveKeys' in where
      ? inArray(col('sourceUrl') as never, where.archiveKeys)
      : 'matchKeys' in where
        ? inArray(col('provenance_matchUrl') as never, where.matchKeys)
        : and(
            eq(col('source') as never, where.source),
            inArray(col('provenance_guid') as never, where.guids),
          )
  const keys = {
    ...LOOKUP_COLUMNS.lean,
    ...(feedKeys && LOOKUP_COLUMNS.feed),
    ...(withText && LOOKUP_COLUMNS.text),
  }
  const found = await adapter.drizzle
    .select(pick(posts, 'posts', keys))
    .from(posts)
    .where(condition)
  if (found.length === 0) return { posts: [], latest: [] }
  const latest: Row[] = []
  const ids = found.map((p) => p.id as number)
  for (let i = 0; i < ids.length; i += 500)
    latest.push(
      ...(await adapter.drizzle
        .select(pick(versions, versionsName, { parent: 'parent', updatedAt: 'updatedAt' }))
        .from(versions)
        .where(
          and(
            inArray(column(versions, versionsName, 'parent') as never, ids.slice(i, i + 500)),
            sql`${column(versions, versionsName, 'latest')}`,
          ),
        )),
    )
  return { posts: found, latest }
}

/**
 * Plain columns of every row of a collection's table (`as` -> column key), on SQLite and PostgreSQL
 * with one plain SELECT (an archive import reads post slugs, author and category names this way).
 * Undefined on other adapters.
 */
export const readColumnsPlain = async (
  payload: Payload,
  collection: string,
  keys: Record<string, string>,
): Promise<Row[] | undefined> => {
  if (!hasDrizzleTables(payload)) return undefined
  const { adapter, table, pick } = tablesOf(payload)
  return adapter.drizzle.select(pick(table(collection), collection, keys)).from(table(collection))
}

/** Media with an external URL (id, URL), on SQLite and PostgreSQL with one plain SELECT. */
export const readMediaPlain = async (
  payload: Payload,
): Promise<{ id: number; externalUrl: string }[] | undefined> => {
  if (!hasDrizzleTables(payload)) return undefined
  const { adapter, table, column, pick } = tablesOf(payload)
  const media = table('media')
  return (await adapter.drizzle
    .select(pick(media, 'media', { id: 'id', externalUrl: 'externalUrl' }))
    .from(media)
    .where(sql`${column(media, 'media', 'externalUrl')} is not null`)) as {
    id: number
    externalUrl: string
  }[]
}

/**
 * The bulk writer (./bulk.ts) on SQLite. Ids are assigned here, not by SQLite: the first allocation
 * after a flush reads `max(id)` of the table inside the batch's transaction (`BEGIN IMMEDIATE`: no
 * other connection writes until it commits) and counts on from it, which is the rowid SQLite itself
 * would have given (integer primary keys without AUTOINCREMENT). Nothing else inserts into these
 * tables inside the loader's transaction while rows are buffered: the loader flushes before any
 * adapter-level write. Statements go to the libsql client itself.
 */
export class SqliteBulkWriter extends BulkWriter {
  private readonly nextId = new Map<string, number>()
  protected readonly jsonColumnTypes: ReadonlySet<string> = new Set(['SQLiteTextJson'])
  protected readonly missing = 'null'

  static supported(payload: Payload): boolean {
    return isSqlite(payload)
  }

  async allocate(tableName: string): Promise<number> {
    let next = this.nextId.get(tableName)
    if (next == null) {
      const table = this.adapter.tables[tableName] as { id: unknown }
      const rows = await this.db.select({ max: sql<number | null>`max(${table.id})` }).from(table)
      next = Number(rows[0]?.max ?? 0) + 1
    }
    this.nextId.set(tableName, next + 1)
    return next
  }

  protected resetAllocation() {
    this.nextId.clear()
  }

  protected placeholder(): string {
    return '?'
  }

  protected async execute(_db: DrizzleLike, text: string, args: unknown[]): Promise<boolean> {
    const client = (this.adapter as unknown as { client?: LibsqlClient }).client
    if (!client) return false
    await client.execute({ sql: text, args: args as never })
    return true
  }
}
