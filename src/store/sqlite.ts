import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { getTableColumns, is, SQL, sql } from 'drizzle-orm'
import type { Payload, PayloadRequest } from 'payload'
import { buildVersionCollectionFields } from 'payload'

import { acquireSqliteWriteLock } from '../lib/sqliteWriteLock'
/**
 * Every use the post store makes of Payload's or drizzle's internals, in one file (besides
 * ./optimizeDatabase.ts). What is public
 * (`buildVersionCollectionFields`, drizzle's `sql`) is imported;
 * the one private piece (`transformForWrite`, the row layout `upsertRow` uses) is loaded by path and
 * pinned by test/importer/bulk-equivalence.test.ts, which proves the rows written with it equal the
 * rows the Local API writes. A Payload or drizzle upgrade that breaks either fails that test.
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
          const rows = (await client.execute('PRAGMA cache_size')) as { rows: unknown[][] }
          cacheBefore = Number(rows.rows?.[0]?.[0] ?? IMPORT_CACHE_KIB)
          await client.execute(`PRAGMA cache_size = -${IMPORT_CACHE_KIB}`)
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
      cacheBefore = undefined
    },
  }
}

type LibsqlClient = { execute: (stmt: { sql: string; args: never }) => Promise<unknown> }
type DrizzleColumn = {
  name: string
  columnType?: string
  default?: unknown
  defaultFn?: () => unknown
  onUpdateFn?: () => unknown
  mapToDriverValue: (value: unknown) => unknown
  shouldDisableInsert: () => boolean
}
/** A value drizzle maps to an SQL expression: the plain insert leaves those to drizzle. */
class SqlValue extends Error {}

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
    if (!t) throw new Error(`store: no table "${name}" in the SQLite adapter`)
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
 * `knownContentHashes`), on SQLite with two plain SELECTs on the adapter's drizzle tables (through
 * `payload.db.find`, page by page, 64k posts took about ten seconds). Undefined on other adapters.
 * test/importer/internals.test.ts pins it against the public path.
 */
export const knownHashesSqlite = async (payload: Payload): Promise<Set<string> | undefined> => {
  if (!isSqlite(payload)) return undefined
  const { adapter, table, column, pick } = tablesOf(payload)
  const posts = table('posts')
  const versionsName = `_posts${adapter.versionsSuffix ?? '_v'}`
  const versions = table(versionsName)
  const postRows = await adapter.drizzle
    .select(pick(posts, 'posts', { id: 'id', contentHash: 'provenance_contentHash' }))
    .from(posts)
    .where(sql`${column(posts, 'posts', 'provenance_contentHash')} is not null`)
  const versionRows = await adapter.drizzle
    .select(pick(versions, versionsName, { parent: 'parent' }))
    .from(versions)
    .where(sql`${column(versions, versionsName, 'latest')} = 1`)
  const withVersion = new Set(versionRows.map((v) => String(v.parent)))
  const out = new Set<string>()
  for (const p of postRows) if (withVersion.has(String(p.id))) out.add(String(p.contentHash))
  return out
}

/**
 * Plain columns of every row of a collection's table (`as` -> column key), on SQLite with one plain
 * SELECT (an archive import reads post slugs, author and category names this way). Undefined on
 * other adapters.
 */
export const readColumnsSqlite = async (
  payload: Payload,
  collection: string,
  keys: Record<string, string>,
): Promise<Row[] | undefined> => {
  if (!isSqlite(payload)) return undefined
  const { adapter, table, pick } = tablesOf(payload)
  return adapter.drizzle.select(pick(table(collection), collection, keys)).from(table(collection))
}

/** Media with an external URL (id, URL), on SQLite with one plain SELECT. Undefined elsewhere. */
export const readMediaSqlite = async (
  payload: Payload,
): Promise<{ id: number; externalUrl: string }[] | undefined> => {
  if (!isSqlite(payload)) return undefined
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
 * SQLite-only bulk writer for the load stage. It lays out rows with the drizzle adapter's own
 * `transformForWrite` (the function `upsertRow` uses for `payload.db.create` / `createVersion`), so
 * the main row, `_texts` and `_rels` rows are exactly what the adapter would write, and then inserts
 * them with multi-row INSERTs when the loader commits a batch, inside the loader's transaction.
 *
 * Ids are assigned here, not by SQLite: the first allocation after a flush reads `max(id)` of the
 * table inside the transaction and counts on from it, which is the rowid SQLite itself would have
 * given (integer primary keys without AUTOINCREMENT). Nothing else inserts into these tables inside
 * the loader's transaction while rows are buffered: the loader flushes before any adapter-level write.
 *
 * Anything the layout has that this writer does not handle (arrays, blocks, locales, hasMany numbers
 * or selects) makes `supports` false for that doc, and the loader writes it through the adapter.
 */

type Row = Record<string, unknown>
type TransformForWrite = (args: {
  adapter: unknown
  data: Row
  enableAtomicWrites: boolean
  fields: unknown
  path?: string
  tableName: string
}) => {
  arrays: Record<string, unknown[]>
  arraysToPush: Record<string, unknown[]>
  blocks: Record<string, unknown[]>
  locales: Record<string, unknown>
  numbers: Row[]
  relationships: Row[]
  relationshipsToAppend: Row[]
  row: Row
  selects: Record<string, unknown[]>
  texts: Row[]
}

type Adapter = {
  name: string
  drizzle: DrizzleLike
  sessions: Record<string, { db: DrizzleLike } | undefined>
  tables: Record<string, Record<string, unknown>>
  tableNameMap: Map<string, string>
  versionsSuffix?: string
  relationshipsSuffix?: string
  lastWriteTimestamp?: number
  payload: Payload
}
type DrizzleLike = {
  insert: (table: unknown) => { values: (rows: Row[]) => PromiseLike<unknown> }
  select: (cols: Row) => { from: (table: unknown) => PromiseLike<Row[]> }
}

/** The adapter's table-name key for a collection slug (what `to-snake-case` gives for ours). */
const toSnakeCase = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase()

let transformForWriteP: Promise<TransformForWrite> | undefined

/** The adapter's own row layout function (not a public export of @payloadcms/drizzle: loaded by path). */
const loadTransformForWrite = (): Promise<TransformForWrite> => {
  transformForWriteP ??= (async () => {
    const require = createRequire(import.meta.url)
    // Resolve @payloadcms/drizzle as @payloadcms/db-sqlite sees it (the same copy the adapter uses).
    const fromSqlite = createRequire(require.resolve('@payloadcms/db-sqlite'))
    const main = fromSqlite.resolve('@payloadcms/drizzle')
    const file = path.join(path.dirname(main), 'transform', 'write', 'index.js')
    const mod = (await import(pathToFileURL(file).href)) as { transformForWrite: TransformForWrite }
    if (typeof mod.transformForWrite !== 'function')
      throw new Error(`no transformForWrite in ${file}`)
    return mod.transformForWrite
  })()
  return transformForWriteP
}

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766; stay well under it. */
const MAX_PARAMS = 20_000
const MAX_ROWS = 500

type Layout = ReturnType<TransformForWrite>

type Queued = { main: Row[]; children: Map<string, Row[]> }

export class SqliteBulkWriter {
  private readonly adapter: Adapter
  private transformForWrite!: TransformForWrite
  private readonly queues = new Map<string, Queued>()
  private readonly nextId = new Map<string, number>()
  private readonly fieldsCache = new Map<string, unknown>()
  /**
   * JSON columns' text by value, for the buffered rows: a post and its version hold the same content
   * object, which is stringified once, not twice (a twentieth of the write time).
   */
  private json = new WeakMap<object, unknown>()
  /** Rows buffered since the last flush. */
  pendingRows = 0

  static supported(payload: Payload): boolean {
    return isSqlite(payload)
  }

  constructor(
    payload: Payload,
    private readonly getReq: () => PayloadRequest,
  ) {
    this.adapter = payload.db as unknown as Adapter
  }

  async init() {
    this.transformForWrite = await loadTransformForWrite()
    return this
  }

  private get db(): DrizzleLike {
    const id = this.getReq()?.transactionID
    const session = id != null ? this.adapter.sessions[String(id)] : undefined
    return session?.db ?? this.adapter.drizzle
  }

  tableName(collection: string, version = false): string {
    const base = toSnakeCase(collection)
    const key = version ? `_${base}${this.adapter.versionsSuffix ?? '_v'}` : base
    const name = this.adapter.tableNameMap.get(key)
    if (!name) throw new Error(`sqliteBulk: no table for ${key}`)
    return name
  }

  private fields(collection: string, version: boolean): unknown {
    const key = `${version ? 'v:' : ''}${collection}`
    let f = this.fieldsCache.get(key)
    if (!f) {
      const config = this.adapter.payload.collections[collection as 'posts'].config
      f = version
        ? buildVersionCollectionFields(this.adapter.payload.config, config, true)
        : config.flattenedFields
      this.fieldsCache.set(key, f)
    }
    return f
  }

  /**
   * The next id of a table: what SQLite would assign to the next inserted row (`max(id) + 1` read
   * in the batch's transaction, then counted on). The one place ids are allocated: an adapter with
   * sequences (PostgreSQL) needs its own allocation here.
   */
  async allocate(tableName: string): Promise<number> {
    let next = this.nextId.get(tableName)
    if (next == null) {
      const table = this.adapter.tables[tableName]
      const rows = await this.db.select({ max: sql<number | null>`max(${table.id})` }).from(table)
      next = Number(rows[0]?.max ?? 0) + 1
    }
    this.nextId.set(tableName, next + 1)
    return next
  }

  /** The adapter's row layout for a doc of a collection (or a version of it). */
  layout(collection: string, data: Row, version = false): Layout {
    return this.transformForWrite({
      adapter: this.adapter,
      data,
      enableAtomicWrites: false,
      fields: this.fields(collection, version),
      path: '',
      tableName: this.tableName(collection, version),
    })
  }

  /** True when every row of the layout is one this writer inserts (main row, texts, relationships). */
  supports(l: Layout): boolean {
    return (
      // The layout names every array table of the doc; only empty ones (nothing to insert) are fine.
      Object.values(l.arrays).every((a) => !a?.length) &&
      Object.values(l.arraysToPush).every((a) => !a?.length) &&
      Object.keys(l.blocks).length === 0 &&
      Object.keys(l.locales).length === 0 &&
      l.numbers.length === 0 &&
      l.relationshipsToAppend.length === 0 &&
      Object.keys(l.selects).length === 0
    )
  }

  /** Buffers the rows of one doc with the given id (from `allocate`), as `upsertRow` would insert them. */
  add(tableName: string, l: Layout, id: number) {
    let q = this.queues.get(tableName)
    if (!q) {
      q = { main: [], children: new Map() }
      this.queues.set(tableName, q)
    }
    l.row.id = id
    q.main.push(l.row)
    this.pendingRows++
    const child = (suffix: string, rows: Row[]) => {
      if (!rows.length) return
      const name = `${tableName}${suffix}`
      let list = q.children.get(name)
      if (!list) q.children.set(name, (list = []))
      for (const r of rows) {
        r.parent = id
        list.push(r)
        this.pendingRows++
      }
    }
    child(this.adapter.relationshipsSuffix ?? '_rels', l.relationships)
    child('_texts', l.texts)
  }

  /** Creates a doc: layout, id, buffer. Returns the id, or undefined when the layout needs the adapter. */
  async create(collection: string, data: Row): Promise<number | undefined> {
    const l = this.layout(collection, data)
    if (!this.supports(l)) return undefined
    const tableName = this.tableName(collection)
    const id = await this.allocate(tableName)
    this.add(tableName, l, id)
    return id
  }

  /**
   * Creates the version row `createVersion` writes for a new doc (`latest: true`; with no earlier
   * versions of the parent, its "unset latest on older versions" UPDATE has nothing to do).
   */
  async createVersion(
    collection: string,
    args: {
      parent: number
      versionData: Row
      createdAt: string
      updatedAt: string
      autosave?: boolean
    },
  ): Promise<number | undefined> {
    const version = { ...args.versionData }
    delete version.id
    const data: Row = {
      autosave: args.autosave ?? false,
      createdAt: args.createdAt,
      latest: true,
      parent: args.parent,
      publishedLocale: undefined,
      snapshot: undefined,
      updatedAt: args.updatedAt,
      version,
    }
    const l = this.layout(collection, data, true)
    if (!this.supports(l)) return undefined
    const tableName = this.tableName(collection, true)
    const id = await this.allocate(tableName)
    this.add(tableName, l, id)
    return id
  }

  /** Inserts everything buffered: main rows first (referenced tables first), then their texts/rels. */
  async flush() {
    if (this.queues.size) {
      const db = this.db
      const insert = async (tableName: string, rows: Row[]) => {
        if (!rows.length) return
        const table = this.adapter.tables[tableName]
        const cols = Math.max(1, Object.keys(table).length)
        const per = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / cols)))
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per)
          if (!(await this.insertPlain(tableName, table, chunk)))
            await db.insert(table).values(chunk)
        }
      }
      // Referenced tables before referencing ones (media, sources before authors; docs before versions).
      const rank = (t: string) =>
        t.startsWith('_') ? 3 : t === 'posts' ? 2 : t === 'media' || t === 'sources' ? 0 : 1
      const order = [...this.queues.keys()].sort((a, b) => rank(a) - rank(b))
      for (const tableName of order) await insert(tableName, this.queues.get(tableName)!.main)
      for (const q of this.queues.values())
        for (const [name, rows] of q.children) await insert(name, rows)
      this.adapter.lastWriteTimestamp = Date.now()
    }
    this.discard()
  }

  /**
   * The multi-row INSERT drizzle's `insert().values()` would run, built directly: the same columns
   * (`getTableColumns`, those drizzle inserts), the same values (each column's own
   * `mapToDriverValue`; a missing value takes the column's default, else NULL), on the same connection.
   * Drizzle's query builder was a fifth of the write time. False, and nothing written, where a value
   * or default is an SQL expression: drizzle renders those.
   */
  private async insertPlain(tableName: string, table: unknown, rows: Row[]): Promise<boolean> {
    const client = (this.adapter as unknown as { client?: LibsqlClient }).client
    if (!client) return false
    const columns = Object.entries(
      getTableColumns(table as never) as Record<string, DrizzleColumn>,
    ).filter(([, c]) => !c.shouldDisableInsert())
    const args: unknown[] = []
    const tuples: string[] = []
    const mapped = (col: DrizzleColumn, v: unknown): unknown => {
      if (v === null) return null
      const memo = col.columnType === 'SQLiteTextJson' && typeof v === 'object'
      if (memo && this.json.has(v)) return this.json.get(v)
      const out = col.mapToDriverValue(v)
      if (memo) this.json.set(v, out)
      if (is(out, SQL)) throw new SqlValue()
      return out
    }
    try {
      for (const row of rows) {
        const marks: string[] = []
        for (const [key, col] of columns) {
          let v = row[key]
          if (is(v, SQL)) return false
          if (v === undefined) {
            const fallback =
              col.default !== undefined && col.default !== null
                ? col.default
                : col.defaultFn
                  ? col.defaultFn()
                  : col.onUpdateFn
                    ? col.onUpdateFn()
                    : undefined
            if (fallback === undefined) {
              marks.push('null')
              continue
            }
            if (is(fallback, SQL)) return false
            v = fallback
          }
          args.push(mapped(col, v))
          marks.push('?')
        }
        tuples.push(`(${marks.join(', ')})`)
      }
    } catch (err) {
      if (err instanceof SqlValue) return false
      throw err
    }
    const names = columns.map(([, c]) => `"${c.name.replace(/"/g, '""')}"`).join(', ')
    await client.execute({
      sql: `insert into "${tableName.replace(/"/g, '""')}" (${names}) values ${tuples.join(', ')}`,
      args: args as never,
    })
    return true
  }

  /** Drops what is buffered and forgets the id counters (they are re-read inside the next batch). */
  discard() {
    this.queues.clear()
    this.json = new WeakMap()
    this.nextId.clear()
    this.pendingRows = 0
  }
}
