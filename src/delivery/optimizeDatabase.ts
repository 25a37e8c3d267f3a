import { sql } from '@payloadcms/db-sqlite'
import type { Payload } from 'payload'

type SqliteDb = { drizzle: { run: (query: ReturnType<typeof sql.raw>) => Promise<unknown>; all: (query: ReturnType<typeof sql.raw>) => Promise<unknown[]> } }

/**
 * Gives SQLite's query planner statistics. Neither `@payloadcms/db-sqlite` nor drizzle ever runs
 * `ANALYZE`; without `sqlite_stat1` the planner picks the `_status` index for a list of posts,
 * matches every row and sorts them all (measured: p99 over 7 s for a list of 20 on 3,000 posts,
 * see /work/shared/STACK.md). A database without statistics gets a full `ANALYZE`; one that has them
 * gets `PRAGMA optimize`, which re-analyzes only tables that changed a lot. Call it after a bulk
 * import and at server start. Other adapters: nothing to do.
 */
export const optimizeDatabase = async (
  payload: Payload,
): Promise<{ ran: 'ANALYZE' | 'PRAGMA optimize' | 'nothing'; ms: number }> => {
  const started = performance.now()
  if (payload.db.name !== 'sqlite') return { ran: 'nothing', ms: 0 }
  const db = payload.db as unknown as SqliteDb
  const stats = await db.drizzle.all(
    sql.raw("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"),
  )
  const hasStats =
    stats.length > 0 && (await db.drizzle.all(sql.raw('SELECT 1 FROM sqlite_stat1 LIMIT 1'))).length > 0
  const ran = hasStats ? 'PRAGMA optimize' : 'ANALYZE'
  await db.drizzle.run(sql.raw(ran))
  return { ran, ms: Math.round(performance.now() - started) }
}
