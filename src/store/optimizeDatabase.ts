import { sql } from '@payloadcms/db-sqlite'
import type { Payload } from 'payload'

type Raw = ReturnType<typeof sql.raw>
type SqliteDb = {
  drizzle: { run: (query: Raw) => Promise<unknown>; all: (query: Raw) => Promise<unknown[]> }
}
type PostgresDb = { drizzle: { execute: (query: Raw) => Promise<{ rows: unknown[] }> } }

export type OptimizeResult = { ran: 'ANALYZE' | 'PRAGMA optimize' | 'nothing'; ms: number }

/**
 * Gives SQLite's query planner statistics. Neither `@payloadcms/db-sqlite` nor drizzle ever runs
 * `ANALYZE`; without `sqlite_stat1` the planner picks the `_status` index for a list of posts,
 * matches every row and sorts them all (measured: p99 over 7 s for a list of 20 on 3,000 posts). A full `ANALYZE` runs when `table` has no statistics or its row count
 * moved more than 2x since they were taken (a bulk import into a database first started empty);
 * otherwise `PRAGMA optimize`, which re-analyzes only what SQLite thinks needs it. Call it at server
 * start and after a bulk import. PostgreSQL: `ANALYZE` when `table` was never analyzed or its row
 * count moved more than 2x since (autovacuum analyzes later, on its own schedule, and a server reading
 * a freshly imported archive meanwhile plans as for an empty table). MongoDB: nothing to do.
 */
export const optimizeDatabase = async (
  payload: Payload,
  table = 'posts',
): Promise<OptimizeResult> => {
  const started = performance.now()
  if (payload.db.name === 'postgres') {
    const { drizzle } = payload.db as unknown as PostgresDb
    const literal = `'${table.replace(/'/g, "''")}'`
    const { rows } = await drizzle.execute(
      sql.raw(
        `SELECT c.reltuples AS analyzed, (SELECT count(*) FROM "${table.replace(/"/g, '""')}") AS n ` +
          `FROM pg_class c WHERE c.oid = to_regclass(${literal})`,
      ),
    )
    const [row] = rows as { analyzed: number | string; n: number | string }[]
    const analyzed = Number(row?.analyzed ?? -1)
    const n = Number(row?.n ?? 0)
    const stale = analyzed < 0 ? n > 0 : n > analyzed * 2 || n < analyzed / 2
    if (!stale) return { ran: 'nothing', ms: Math.round(performance.now() - started) }
    await drizzle.execute(sql.raw('ANALYZE'))
    return { ran: 'ANALYZE', ms: Math.round(performance.now() - started) }
  }
  if (payload.db.name !== 'sqlite') return { ran: 'nothing', ms: 0 }
  const { drizzle } = payload.db as unknown as SqliteDb
  const quoted = `"${table.replace(/"/g, '""')}"`
  const hasStatTable =
    (
      await drizzle.all(
        sql.raw("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"),
      )
    ).length > 0
  let analyzedRows = 0
  if (hasStatTable) {
    const [row] = (await drizzle.all(
      sql.raw(`SELECT stat FROM sqlite_stat1 WHERE tbl = '${table.replace(/'/g, "''")}' LIMIT 1`),
    )) as { stat?: string }[]
    analyzedRows = Number(String(row?.stat ?? '').split(' ')[0]) || 0
  }
  const [counted] = (await drizzle.all(sql.raw(`SELECT count(*) AS n FROM ${quoted}`))) as {
    n: number
  }[]
  const rows = Number(counted?.n ?? 0)
  const stale = analyzedRows === 0 ? rows > 0 : rows > analyzedRows * 2 || rows < analyzedRows / 2
  const ran = stale ? 'ANALYZE' : 'PRAGMA optimize'
  await drizzle.run(sql.raw(ran))
  if (table === 'posts') await fixKeyStatistics(drizzle)
  return { ran, ms: Math.round(performance.now() - started) }
}

/**
 * Identity keys a poll looks posts up by (src/store/lookup.ts), which only ingested posts have: on
 * an imported archive the column is NULL in every row but a few.
 */
const LOOKUP_KEYS = [
  { index: 'posts_provenance_provenance_match_url_idx', column: 'provenance_match_url' },
  { index: 'posts_provenance_provenance_guid_idx', column: 'provenance_guid' },
]

/**
 * `ANALYZE` counts NULLs as one key: on the 64k archive it recorded 63,034 rows per value of
 * `provenance_match_url`, and the planner then scanned the whole index for `match_url IN (...)`
 * (a poll's lookup: ~370 ms a query, 22 s of a poll of 30 sources). A NULL never matches `=` or
 * `IN`, so the rows per key that matter are those of the non-NULL values: they are written into
 * `sqlite_stat1` (SQLite documents the table as the application's to adjust). SQLite reads the
 * statistics when a connection opens (on libsql, `ANALYZE sqlite_schema` did not reload them in
 * the open connection): the import that analyzed leaves them right for every process after it.
 */
const fixKeyStatistics = async (drizzle: SqliteDb['drizzle']) => {
  // `PRAGMA optimize` on a database with nothing to analyse (a new one) makes no statistics table.
  const analysed = await drizzle.all(
    sql.raw("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"),
  )
  if (analysed.length === 0) return
  for (const { index, column } of LOOKUP_KEYS) {
    const [stat] = (await drizzle.all(
      sql.raw(`SELECT stat FROM sqlite_stat1 WHERE idx = '${index}'`),
    )) as { stat?: string }[]
    if (!stat?.stat) continue
    const [rows] = stat.stat.split(' ')
    const [counted] = (await drizzle.all(
      sql.raw(
        `SELECT count("${column}") AS keyed, count(DISTINCT "${column}") AS keys FROM "posts"`,
      ),
    )) as { keyed: number; keys: number }[]
    const perKey = Math.max(1, Math.ceil(Number(counted.keyed) / Math.max(1, Number(counted.keys))))
    const want = `${rows} ${perKey}`
    if (stat.stat !== want)
      await drizzle.run(sql.raw(`UPDATE sqlite_stat1 SET stat = '${want}' WHERE idx = '${index}'`))
  }
}
