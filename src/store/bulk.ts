import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { getTableColumns, is, SQL } from 'drizzle-orm'
import type { Payload, PayloadRequest } from 'payload'

import { JsonText } from './jsonText'

/**
 * The bulk writer of the load stage, for the drizzle adapters (SQLite: ./sqlite.ts, PostgreSQL:
 * ./postgres.ts, which say how ids are allocated and how a statement reaches the database). It lays
 * out rows with the drizzle adapter's own `transformForWrite` (the function `upsertRow` uses for
 * `payload.db.create` / `createVersion`), so the main row, `_texts` and `_rels` rows are exactly what
 * the adapter would write, and then inserts them with multi-row INSERTs when the loader commits a
 * batch, inside the loader's transaction.
 *
 * Anything the layout has that this writer does not handle (arrays, blocks, locales, hasMany numbers
 * or selects) makes `supports` false for that doc, and the loader writes it through the adapter.
 *
 * `transformForWrite` is not a public export of @payloadcms/drizzle: it is loaded by path and pinned
 * by test/importer/bulk-equivalence.test.ts (on SQLite and on PostgreSQL), which proves the rows
 * written with it equal the rows the Local API writes.
 */

export type Row = Record<string, unknown>
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

export type DrizzleLike = {
  insert: (table: unknown) => { values: (rows: Row[]) => PromiseLike<unknown> }
  select: (cols: Row) => { from: (table: unknown) => PromiseLike<Row[]> }
}
export type BulkAdapter = {
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
    // Resolve @payloadcms/drizzle as @payloadcms/db-sqlite sees it (the one copy both adapters use).
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

/**
 * Parameters per statement: SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766, PostgreSQL's
 * protocol allows 65535; stay well under both.
 */
const MAX_PARAMS = 20_000
const MAX_ROWS = 500

type Layout = ReturnType<TransformForWrite>

type Queued = { main: Row[]; children: Map<string, Row[]> }

export abstract class BulkWriter {
  protected readonly adapter: BulkAdapter
  private transformForWrite!: TransformForWrite
  private readonly queues = new Map<string, Queued>()
  private readonly fieldsCache = new Map<string, unknown>()
  /**
   * JSON columns' text by value, for the buffered rows: a post and its version hold the same content
   * object, which is stringified once, not twice (a twentieth of the write time).
   */
  private json = new WeakMap<object, unknown>()
  /** Rows buffered since the last flush. */
  pendingRows = 0

  constructor(
    payload: Payload,
    protected readonly getReq: () => PayloadRequest,
  ) {
    this.adapter = payload.db as unknown as BulkAdapter
  }

  async init() {
    this.transformForWrite = await loadTransformForWrite()
    return this
  }

  /**
   * The id of the next row of a table, taken where nothing else can take it too (the one place ids
   * are allocated; the database's own rule for its dialect).
   */
  abstract allocate(tableName: string): Promise<number>
  /** Forgets what `allocate` counted on (called when a batch's buffer is flushed or dropped). */
  protected abstract resetAllocation(): void
  /** The column types whose value drizzle maps by `JSON.stringify` (memoised per object). */
  protected abstract readonly jsonColumnTypes: ReadonlySet<string>
  /** What a value-less column of a row gets (SQLite: `null`, its rowid; PostgreSQL: `default`). */
  protected abstract readonly missing: string
  /** The n-th (1-based) parameter's placeholder in a statement. */
  protected abstract placeholder(n: number): string
  /** Runs one statement with its parameters on the batch's connection; false where it cannot. */
  protected abstract execute(db: DrizzleLike, sql: string, args: unknown[]): Promise<boolean>

  /**
   * Runs one adapter-level write (an update, a version, a fallback insert) so that its failure fails
   * that write only, not the batch: SQLite keeps a transaction after a failed statement; PostgreSQL
   * aborts it (./postgres.ts wraps the write in a savepoint).
   */
  async isolated<T>(write: () => Promise<T>): Promise<T> {
    return write()
  }

  /** True inside a batch's transaction. */
  protected get inTransaction(): boolean {
    const id = this.getReq()?.transactionID
    return id != null && this.adapter.sessions[String(id)] != null
  }

  /** The connection of the batch's transaction (or the adapter's own outside one). */
  protected get db(): DrizzleLike {
    const id = this.getReq()?.transactionID
    const session = id != null ? this.adapter.sessions[String(id)] : undefined
    return session?.db ?? this.adapter.drizzle
  }

  tableName(collection: string, version = false): string {
    const base = toSnakeCase(collection)
    const key = version ? `_${base}${this.adapter.versionsSuffix ?? '_v'}` : base
    const name = this.adapter.tableNameMap.get(key)
    if (!name) throw new Error(`bulk writer: no table for ${key}`)
    return name
  }

  private fields(collection: string): unknown {
    let f = this.fieldsCache.get(collection)
    if (!f) {
      f = this.adapter.payload.collections[collection as 'posts'].config.flattenedFields
      this.fieldsCache.set(collection, f)
    }
    return f
  }

  /** The adapter's row layout for a doc of a collection. */
  layout(collection: string, data: Row): Layout {
    return this.transformForWrite({
      adapter: this.adapter,
      data,
      enableAtomicWrites: false,
      fields: this.fields(collection),
      path: '',
      tableName: this.tableName(collection),
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

  /**
   * Creates a doc: layout, id, buffer. Returns the id and the layout (what `createVersionOf` derives
   * a version from), or undefined when the layout needs the adapter.
   */
  async create(collection: string, data: Row): Promise<{ id: number; layout: Layout } | undefined> {
    const layout = this.layout(collection, data)
    if (!this.supports(layout)) return undefined
    const tableName = this.tableName(collection)
    const id = await this.allocate(tableName)
    this.add(tableName, layout, id)
    return { id, layout }
  }

  /**
   * Creates the version row `createVersion` writes for a new doc (`latest: true`; with no earlier
   * versions of the parent, its "unset latest on older versions" UPDATE has nothing to do), from the
   * doc's own layout instead of laying the doc out again (half of the layout's time, about 7% of the
   * writing thread's on 16k files). Payload's version table holds the doc's columns under
   * `version_` and its relationship and text rows under the path `version.`, beside the version's
   * own columns (pinned, with every other row, by test/importer/bulk-equivalence.test.ts).
   * `unset`: fields of the doc (dotted paths through groups) the version leaves empty.
   */
  async createVersionOf(
    collection: string,
    doc: Layout,
    args: { parent: number; createdAt: string; updatedAt: string; unset?: readonly string[] },
  ): Promise<number> {
    const row: Row = {
      autosave: false,
      createdAt: args.createdAt,
      latest: true,
      parent: args.parent,
      updatedAt: args.updatedAt,
    }
    for (const [key, value] of Object.entries(doc.row))
      if (key !== 'id') row[`version_${key}`] = value
    for (const field of args.unset ?? []) {
      const key = `version_${field.replaceAll('.', '_')}`
      if (!(key in row)) throw new Error(`bulk writer: ${collection} has no column for ${field}`)
      row[key] = null
    }
    const under = (rows: Row[]) => rows.map((r) => ({ ...r, path: `version.${String(r.path)}` }))
    const version: Layout = {
      ...doc,
      row,
      relationships: under(doc.relationships),
      texts: under(doc.texts),
    }
    const tableName = this.tableName(collection, true)
    const id = await this.allocate(tableName)
    this.add(tableName, version, id)
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
          if (!(await this.insertPlain(db, tableName, table, chunk)))
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
  private async insertPlain(
    db: DrizzleLike,
    tableName: string,
    table: unknown,
    rows: Row[],
  ): Promise<boolean> {
    const columns = Object.entries(
      getTableColumns(table as never) as Record<string, DrizzleColumn>,
    ).filter(([, c]) => !c.shouldDisableInsert())
    const args: unknown[] = []
    const tuples: string[] = []
    const mapped = (col: DrizzleColumn, v: unknown): unknown => {
      if (v === null) return null
      const json = this.jsonColumnTypes.has(col.columnType ?? '')
      // Content given as its text (./jsonText.ts): stored as it is.
      if (json && v instanceof JsonText) return v.text
      const memo = json && typeof v === 'object'
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
              marks.push(this.missing)
              continue
            }
            if (is(fallback, SQL)) return false
            v = fallback
          }
          args.push(mapped(col, v))
          marks.push(this.placeholder(args.length))
        }
        tuples.push(`(${marks.join(', ')})`)
      }
    } catch (err) {
      if (err instanceof SqlValue) return false
      throw err
    }
    const names = columns.map(([, c]) => `"${c.name.replace(/"/g, '""')}"`).join(', ')
    return this.execute(
      db,
      `insert into "${tableName.replace(/"/g, '""')}" (${names}) values ${tuples.join(', ')}`,
      args,
    )
  }

  /** Drops what is buffered and forgets the id counters (they are re-read inside the next batch). */
  discard() {
    this.queues.clear()
    this.json = new WeakMap()
    this.resetAllocation()
    this.pendingRows = 0
  }
}
