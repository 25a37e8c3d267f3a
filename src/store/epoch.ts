import { randomUUID } from 'node:crypto'

import { eq, sql as rawSql } from 'drizzle-orm'
import { ValidationError, type CollectionConfig, type Payload, type PayloadRequest } from 'payload'

/**
 * One row that every write readers could see changes: the content epoch. Every server polls it
 * (src/delivery/freshness.ts), so a write through any server, the CLI importer or the importer's
 * bulk writer ends every server's delivery cache, on SQLite and MongoDB alike.
 */
export const CONTENT_EPOCH_COLLECTION = 'delivery-epochs'

/** The key of the one row. */
const CONTENT = 'content'

export const ContentEpochs: CollectionConfig = {
  slug: CONTENT_EPOCH_COLLECTION,
  admin: { hidden: true },
  graphQL: false,
  lockDocuments: false,
  // Written and read by server code only (overrideAccess); nothing to see over the API.
  access: {
    read: () => false,
    create: () => false,
    update: () => false,
    delete: () => false,
  },
  fields: [
    { name: 'key', type: 'text', required: true, unique: true },
    { name: 'value', type: 'text', required: true },
  ],
}

/**
 * MongoDB bumps outside the writer's transaction (see `bumpContentEpoch`), so a reader can see the
 * new epoch a moment before the content it stands for: readers then move once more on their next
 * look.
 */
export const epochMayPrecedeContent = (payload: Payload): boolean => payload.db.name === 'mongoose'

/** The parts of a drizzle adapter (SQLite, PostgreSQL) the epoch's two statements use. */
type EpochTable = { key: unknown; value: unknown }
type DrizzleDb = {
  insert: (table: unknown) => {
    values: (row: Record<string, string>) => {
      onConflictDoUpdate: (config: { target: unknown; set: Record<string, string> }) => unknown
    }
  }
  select: (fields: Record<string, unknown>) => {
    from: (table: unknown) => { where: (condition: unknown) => Promise<{ value: string }[]> }
  }
}
type DrizzleAdapter = {
  tables: Record<string, EpochTable | undefined>
  tableNameMap: Map<string, string>
  drizzle: DrizzleDb
  /** Set with read replicas: the primary alone (`drizzle` reads from a replica). */
  primaryDrizzle?: DrizzleDb
  sessions: Record<string, { db: DrizzleDb } | undefined>
}

const drizzleEpoch = (payload: Payload): { adapter: DrizzleAdapter; table: EpochTable } | null => {
  if (payload.db.name !== 'sqlite' && payload.db.name !== 'postgres') return null
  const adapter = payload.db as unknown as DrizzleAdapter
  const name = adapter.tableNameMap.get('delivery_epochs') ?? 'delivery_epochs'
  const table = adapter.tables[name]
  return table ? { adapter, table } : null
}

/**
 * Marks that content readers can see has changed: the epoch takes a new random value (a counter
 * bumped by two processes at once could take the same value twice, and a reader between the two
 * would miss the second). Call it after every write that can change a reader's response and that
 * runs no delivery hook (the importer's writer): the delivery plugin's hooks call it for the rest.
 *
 * With `req`, on SQLite and PostgreSQL the bump is part of the writer's transaction: readers see it
 * together with the content, never before. It is one `INSERT ... ON CONFLICT DO UPDATE`: an insert
 * that fails on the unique key inside a PostgreSQL transaction aborts the whole transaction, so the
 * first bump of a fresh database racing another (three servers publishing) must not be an insert
 * that may fail. On MongoDB it is written outside any transaction, since every
 * transaction writing the same document would make concurrent ones fail with a write conflict.
 * Without the delivery plugin (no epoch collection) it does nothing.
 */
export const bumpContentEpoch = async (
  payload: Payload,
  req?: Partial<PayloadRequest>,
): Promise<void> => {
  if (!payload.collections[CONTENT_EPOCH_COLLECTION]) return
  const inWriterTransaction = epochMayPrecedeContent(payload) ? undefined : req
  const now = new Date().toISOString()
  const value = randomUUID()
  const sql = drizzleEpoch(payload)
  if (sql) {
    const { adapter, table } = sql
    const session = req?.transactionID
      ? adapter.sessions[String(await req.transactionID)]
      : undefined
    const db = session?.db ?? adapter.primaryDrizzle ?? adapter.drizzle
    await db
      .insert(table)
      .values({ key: CONTENT, value, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: table.key, set: { value, updatedAt: now } })
    return
  }
  const update = () =>
    payload.db.updateOne({
      collection: CONTENT_EPOCH_COLLECTION,
      where: { key: { equals: CONTENT } },
      data: { value, updatedAt: now },
      req: inWriterTransaction,
      select: { id: true },
    })
  if (await update()) return
  try {
    await payload.db.create({
      collection: CONTENT_EPOCH_COLLECTION,
      data: { key: CONTENT, value, createdAt: now, updatedAt: now },
      req: inWriterTransaction,
      select: { id: true },
    })
  } catch (err) {
    // Another process created the row first: bump that one.
    if (!(err instanceof ValidationError)) throw err
    await update()
  }
}

/**
 * The current epoch (`'none'` before the first bump), one indexed read. On SQL databases always from
 * the primary: a replica that lags would hand out a new epoch's value while serving the content of
 * an old one, or an old value after the content changed, and a server would cache stale content.
 */
export const readContentEpoch = async (payload: Payload): Promise<string> => {
  const sql = drizzleEpoch(payload)
  if (sql) {
    const { adapter, table } = sql
    const [row] = await (adapter.primaryDrizzle ?? adapter.drizzle)
      .select({ value: table.value })
      .from(table)
      .where(eq(table.key as never, CONTENT))
    return row?.value ?? 'none'
  }
  const row = (await payload.db.findOne({
    collection: CONTENT_EPOCH_COLLECTION,
    where: { key: { equals: CONTENT } },
    select: { value: true },
  })) as { value?: string } | null
  return row?.value ?? 'none'
}

type QueryableDb = { execute: (query: unknown) => Promise<{ rows: Record<string, unknown>[] }> }
type ReplicatedDb = { $replicas?: QueryableDb[] }

/**
 * With read replicas (PostgreSQL, `DATABASE_REPLICA_URIS`): the primary's write position now, to
 * pass to `replicasReplayed` later; null without replicas. Content is read from replicas, so after
 * the epoch moves a server must not cache what it reads until every replica has replayed the write
 * that moved it: a lagging one would answer with the old content, cached under the new epoch.
 */
export const primaryWritePosition = async (payload: Payload): Promise<string | null> => {
  const adapter = payload.db as unknown as { primaryDrizzle?: QueryableDb; drizzle?: ReplicatedDb }
  if (payload.db.name !== 'postgres' || !adapter.primaryDrizzle || !adapter.drizzle?.$replicas)
    return null
  const { rows } = await adapter.primaryDrizzle.execute(
    rawSql`SELECT pg_current_wal_lsn()::text AS lsn`,
  )
  return String(rows[0]!.lsn)
}

/** Whether every read replica has replayed the primary's writes up to `position`. */
export const replicasReplayed = async (payload: Payload, position: string): Promise<boolean> => {
  const replicas = (payload.db as unknown as { drizzle?: ReplicatedDb }).drizzle?.$replicas ?? []
  const answers = await Promise.all(
    replicas.map((replica) =>
      replica.execute(
        rawSql`SELECT coalesce(pg_last_wal_replay_lsn() >= ${position}::pg_lsn, false) AS done`,
      ),
    ),
  )
  return answers.every(({ rows }) => rows[0]?.done === true)
}
