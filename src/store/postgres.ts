import type { Payload } from 'payload'

import { BulkWriter, type DrizzleLike } from './bulk'
import { isPostgres } from './sqlite'

/** What the bulk writer reaches of drizzle's node-postgres session: the connection (or the pool). */
type PgQueryable = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> }
type WithSession = { session?: { client?: PgQueryable } }

/**
 * The bulk writer (./bulk.ts) on PostgreSQL (`@payloadcms/db-postgres`). Ids come from the table's
 * own sequence (`nextval`, the column's default, what Payload's INSERT would have taken), a few at a
 * time (`idsPerFetch`), never from `max(id) + 1`: a sequence hands each value out once, whatever
 * else writes to the table meanwhile (an editor's save, a second server importing), and a rolled-back
 * batch or an unused reserve leaves only a gap.
 *
 * Statements go to the batch transaction's own connection (drizzle's `tx.session.client`, a pooled
 * `pg` client), with `$n` parameters, so the rows are inside the batch's transaction: a process killed
 * mid-batch leaves nothing of it (test/importer/crash.test.ts).
 */
export class PostgresBulkWriter extends BulkWriter {
  /** The sequence of each table's `id` (`pg_get_serial_sequence`), asked once. */
  private readonly sequences = new Map<string, string>()
  protected readonly jsonColumnTypes: ReadonlySet<string> = new Set(['PgJsonb', 'PgJson'])
  /** A serial `id` (a `_rels` or `_texts` row's) takes its sequence's next value, as drizzle writes it. */
  protected readonly missing = 'default'

  static supported(payload: Payload): boolean {
    return isPostgres(payload)
  }

  private client(db: DrizzleLike): PgQueryable {
    const client = (db as unknown as WithSession).session?.client
    if (!client) throw new Error('bulk writer: no node-postgres client on the drizzle session')
    return client
  }

  /**
   * Ids fetched from a sequence per round trip, at most: each refill of a table takes twice the last
   * (1, 2, 4, ... up to this), so a run that creates a few docs leaves a gap of a few ids at most,
   * and an archive costs one round trip per 256 docs instead of one per doc (under load, a round trip
   * to the database was most of the write stage). 1 takes each id as the Local API would: the
   * equivalence test sets it to compare ids too.
   */
  static idsPerFetch = 256
  /** Ids taken from each table's sequence and not used yet (valid across batches: never reissued). */
  private readonly reserved = new Map<string, { ids: number[]; next: number }>()

  private async sequence(client: PgQueryable, tableName: string): Promise<string> {
    let sequence = this.sequences.get(tableName)
    if (sequence === undefined) {
      const { rows } = await client.query("select pg_get_serial_sequence($1, 'id') as seq", [
        `"${tableName.replace(/"/g, '""')}"`,
      ])
      const seq = (rows[0] as { seq?: string | null } | undefined)?.seq
      if (!seq) throw new Error(`bulk writer: table "${tableName}" has no id sequence`)
      sequence = seq
      this.sequences.set(tableName, sequence)
    }
    return sequence
  }

  async allocate(tableName: string): Promise<number> {
    let r = this.reserved.get(tableName)
    if (!r) this.reserved.set(tableName, (r = { ids: [], next: 1 }))
    if (r.ids.length === 0) {
      const client = this.client(this.db)
      const sequence = await this.sequence(client, tableName)
      const n = Math.max(1, Math.min(r.next, PostgresBulkWriter.idsPerFetch))
      r.next = n * 2
      const { rows } = await client.query(
        'select nextval($1::regclass) as id from generate_series(1, $2::int)',
        [sequence, n],
      )
      r.ids = rows.map((row) => Number((row as { id: string | number }).id)).sort((a, b) => a - b)
    }
    return r.ids.shift()!
  }

  /**
   * PostgreSQL aborts a transaction at its first failed statement, and everything after fails until
   * it ends: an adapter-level write that fails (one post's update) would fail the batch's other posts
   * and its commit. Inside a batch, each such write runs in a savepoint and a failure rolls back to
   * it, so the post fails alone, as on SQLite.
   */
  override async isolated<T>(write: () => Promise<T>): Promise<T> {
    if (!this.inTransaction) return write()
    const client = this.client(this.db)
    await client.query('savepoint bulk_write')
    let result: T
    try {
      result = await write()
    } catch (err) {
      await client.query('rollback to savepoint bulk_write')
      throw err
    }
    await client.query('release savepoint bulk_write')
    return result
  }

  /** The reserve stays: its ids are the sequence's, handed to no one else. */
  protected resetAllocation() {}

  protected placeholder(n: number): string {
    return `$${n}`
  }

  protected async execute(db: DrizzleLike, text: string, args: unknown[]): Promise<boolean> {
    const client = this.client(db)
    await this.compressFast(client)
    await client.query(text, args)
    return true
  }

  /** True where the server compresses with lz4 (PostgreSQL 14+ built with it); asked once. */
  private lz4?: Promise<boolean>
  /** The transaction `compressFast` last set lz4 in. */
  private lz4Transaction?: unknown

  /**
   * A post's content (`jsonb`) and HTML, twice (the post and its version), are most of what a batch
   * writes, and PostgreSQL compresses every value over 2 KB with `pglz` by default: measured, half
   * the server's time for an INSERT of 200 posts. `lz4` compresses as well, in about half the time
   * (3,000 posts into a copy of `posts`: 1.9 s with pglz, 1.0 s with lz4). Set for the batch's
   * transaction only (`SET LOCAL`), so the pool's connections keep the server's default; how a value
   * is compressed is invisible to every reader (and to `pg_dump`), and changes nothing of when a row
   * is durable.
   */
  private async compressFast(client: PgQueryable) {
    const transaction = this.getReq()?.transactionID
    if (!this.inTransaction || transaction == null || this.lz4Transaction === transaction) return
    this.lz4 ??= client
      .query(
        "select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'",
      )
      .then(({ rows }) => (rows[0] as { lz4?: boolean } | undefined)?.lz4 === true)
    if (!(await this.lz4)) return
    await client.query("set local default_toast_compression = 'lz4'")
    this.lz4Transaction = transaction
  }
}
