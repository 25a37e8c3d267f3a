import type { Payload } from 'payload'

import { BulkWriter, type DrizzleLike } from './bulk'
import { isPostgres } from './sqlite'

/** What the bulk writer reaches of drizzle's node-postgres session: the connection (or the pool). */
type PgQueryable = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> }
type WithSession = { session?: { client?: PgQueryable } }

/**
 * The bulk writer (./bulk.ts) on PostgreSQL (`@payloadcms/db-postgres`). Ids come from the table's
 * own sequence (`nextval`, the column's default, what Payload's INSERT would have taken), one per
 * doc as it is created, never from `max(id) + 1`: a sequence hands each value out once, whatever
 * else writes to the table meanwhile (an editor's save, a second server importing), and a rolled-back
 * batch leaves only a gap. One at a time, not in blocks: a single writer then takes exactly the ids
 * the Local API would have (test/importer/bulk-equivalence.test.ts compares them).
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

  async allocate(tableName: string): Promise<number> {
    const client = this.client(this.db)
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
    const { rows } = await client.query('select nextval($1::regclass) as id', [sequence])
    return Number((rows[0] as { id: string | number }).id)
  }

  /** Nothing is counted here: each id is the sequence's. */
  protected resetAllocation() {}

  protected placeholder(n: number): string {
    return `$${n}`
  }

  protected async execute(db: DrizzleLike, text: string, args: unknown[]): Promise<boolean> {
    await this.client(db).query(text, args)
    return true
  }
}
