import { getTableColumns, getTableName, sql } from '@payloadcms/db-sqlite/drizzle'

import type { SQLiteAdapter } from '@payloadcms/db-sqlite'

import type { LikeOperator } from '../../src/db'

/**
 * The posts' search box (title, source URL, slug: `admin.listSearchableFields`) served by a trigram
 * index, so that a Chinese query does not scan the archive. Payload turns the box into
 * `or: [{ title: { like } }, { sourceUrl: { like } }, { slug: { like } }]`, and its SQL adapters turn
 * each `like` into one `LIKE '%word%'` per space-separated word. The same holds for REST
 * (`?where[or][0][title][like]=中国`) and GraphQL, so the index sits under that operator, not under
 * the admin's box alone.
 *
 * - PostgreSQL: `pg_trgm` GIN indexes on the searched columns; the planner uses them for the `ILIKE`
 *   Payload already sends, so nothing else changes and the index keeps itself in sync.
 * - SQLite: an FTS5 table with the `trigram` tokenizer per searched table (`posts`, and `_posts_v`,
 *   which the admin lists read with drafts on), kept in sync by triggers. The adapter's `like`
 *   operator is wrapped (src/db.ts `sqliteLike`): a word of 3 characters or more on a searched
 *   column becomes `id IN (<trigram match>) AND column LIKE '%word%'`. The LIKE stays, so the
 *   results are those of LIKE exactly (the trigram match, case-folded over all of Unicode, finds a
 *   superset of what LIKE, case-folded over ASCII, finds); the index only narrows the rows it reads.
 *   Shorter words (trigram's minimum is 3 characters) and words with LIKE's wildcards (`%`, `_`)
 *   keep the plain LIKE scan.
 *
 * Created by the migrations `*_post_search` of both dialects; an in-memory SQLite database (pushed,
 * not migrated) gets the same statements from payload.config.ts `onInit`.
 */

type SearchedTable = {
  /** The FTS5 table. */
  fts: string
  /** The table searched; its `id` is the FTS row id. */
  table: string
  /** The searched columns, as the table names them (an external-content FTS table reads them by name). */
  columns: readonly string[]
}

export const POST_SEARCH_TABLES: readonly SearchedTable[] = [
  { fts: 'posts_search', table: 'posts', columns: ['title', 'source_url', 'slug'] },
  {
    fts: '_posts_v_search',
    table: '_posts_v',
    columns: ['version_title', 'version_source_url', 'version_slug'],
  },
]

/** Trigram's shortest searchable word: shorter ones have no trigram and keep the LIKE scan. */
export const TRIGRAM_MIN_LENGTH = 3

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** SQLite: the FTS5 tables, their triggers, and their first fill from the rows already there. */
export const sqlitePostSearchUp = (): string[] =>
  POST_SEARCH_TABLES.flatMap(({ fts, table, columns }) => {
    const cols = columns.map(quote).join(', ')
    const values = (row: 'new' | 'old') => columns.map((c) => `${row}.${quote(c)}`).join(', ')
    const remove = `INSERT INTO ${quote(fts)} (${quote(fts)}, rowid, ${cols}) VALUES ('delete', old."id", ${values('old')});`
    const add = `INSERT INTO ${quote(fts)} (rowid, ${cols}) VALUES (new."id", ${values('new')});`
    return [
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${quote(fts)} USING fts5(${cols}, content=${quote(table)}, content_rowid='id', tokenize='trigram')`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${fts}_ai`)} AFTER INSERT ON ${quote(table)} BEGIN ${add} END`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${fts}_ad`)} AFTER DELETE ON ${quote(table)} BEGIN ${remove} END`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${fts}_au`)} AFTER UPDATE OF ${cols} ON ${quote(table)} BEGIN ${remove} ${add} END`,
      `INSERT INTO ${quote(fts)} (${quote(fts)}) VALUES ('rebuild')`,
    ]
  })

export const sqlitePostSearchDown = (): string[] =>
  POST_SEARCH_TABLES.flatMap(({ fts }) => [
    ...['ai', 'ad', 'au'].map((t) => `DROP TRIGGER IF EXISTS ${quote(`${fts}_${t}`)}`),
    `DROP TABLE IF EXISTS ${quote(fts)}`,
  ])

const pgIndexName = (table: string, column: string): string => `${table}_${column}_trgm_idx`

/** PostgreSQL: `pg_trgm` and a GIN index per searched column. */
export const postgresPostSearchUp = (): string[] => [
  'CREATE EXTENSION IF NOT EXISTS pg_trgm',
  ...POST_SEARCH_TABLES.flatMap(({ table, columns }) =>
    columns.map(
      (c) =>
        `CREATE INDEX IF NOT EXISTS ${quote(pgIndexName(table, c))} ON ${quote(table)} USING gin (${quote(c)} gin_trgm_ops)`,
    ),
  ),
]

export const postgresPostSearchDown = (): string[] =>
  POST_SEARCH_TABLES.flatMap(({ table, columns }) =>
    columns.map((c) => `DROP INDEX IF EXISTS ${quote(pgIndexName(table, c))}`),
  )

/** The word a `LIKE '%word%'` searches for, when the trigram index can serve it. */
const indexableWord = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || !value.startsWith('%') || !value.endsWith('%')) return undefined
  const word = value.slice(1, -1)
  if (/[%_]/.test(word)) return undefined
  return [...word].length >= TRIGRAM_MIN_LENGTH ? word : undefined
}

/**
 * The trigram search for SQLite, one per Payload instance: `like` wraps the adapter's operator;
 * `ready` is set once the FTS tables are known to exist (after migrations or the in-memory push), so
 * a database that has not run the migration yet keeps the plain LIKE.
 */
export const sqlitePostSearch = () => {
  const state = { ready: false }
  const searched = new Map(POST_SEARCH_TABLES.map((t) => [t.table, t]))
  const wrapLike =
    (like: LikeOperator): LikeOperator =>
    (column, value) => {
      const plain = like(column, value)
      const word = indexableWord(value)
      const target = state.ready && word ? searched.get(getTableName(column.table)) : undefined
      if (!word || !target || !target.columns.includes(column.name)) return plain
      const id = getTableColumns(column.table).id
      if (!id) return plain
      const match = `{${column.name}} : ${quote(word)}`
      const fts = sql.raw(quote(target.fts))
      return sql`(${id} IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${match}) AND ${plain})`
    }
  /**
   * Called once the schema is in place: a pushed (in-memory) database gets the FTS tables here, a
   * migrated one has them from its migration; `like` uses them only when they exist.
   */
  const attach = async (db: SQLiteAdapter, { create }: { create: boolean }): Promise<void> => {
    if (create)
      for (const statement of sqlitePostSearchUp()) await db.drizzle.run(sql.raw(statement))
    const names = POST_SEARCH_TABLES.map((t) => t.fts)
    const found = await db.drizzle.all<{ name: string }>(
      sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ${names}`,
    )
    state.ready = found.length === names.length
  }
  return { attach, wrapLike }
}
