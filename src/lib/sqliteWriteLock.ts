import type { Payload } from 'payload'

/**
 * One write transaction at a time on the SQLite adapter's connection, in this process.
 *
 * `@payloadcms/db-sqlite` has no transactions unless configured, so the code that needs one (the
 * importer's batches, src/store/sqlite.ts; a job's fenced effect, src/jobs/fence.ts)
 * runs `BEGIN IMMEDIATE` ... `COMMIT` on the adapter's own connection. SQLite refuses a `BEGIN`
 * inside an open transaction, and every statement of this process meanwhile joins it, so such
 * transactions, and a job claim that must not join one (it would be undone with it, or be seen by
 * the effect it fences), take turns through this lock. Other processes wait on SQLite's own lock.
 */
const queues = new WeakMap<object, Promise<void>>()

/** Waits for the lock of `payload`'s database; resolves with the function that releases it. */
export const acquireSqliteWriteLock = async (payload: Payload): Promise<() => void> => {
  const key = payload.db as object
  const before = queues.get(key) ?? Promise.resolve()
  let release!: () => void
  const mine = new Promise<void>((resolve) => {
    release = resolve
  })
  queues.set(
    key,
    before.then(() => mine),
  )
  await before
  let released = false
  return () => {
    if (released) return
    released = true
    release()
  }
}

/** Runs `work` holding the lock of `payload`'s database. */
export const withSqliteWriteLock = async <T>(
  payload: Payload,
  work: () => Promise<T>,
): Promise<T> => {
  const release = await acquireSqliteWriteLock(payload)
  try {
    return await work()
  } finally {
    release()
  }
}

/**
 * True where this project opens SQLite transactions itself: `@payloadcms/db-sqlite` without its own
 * (`transactionOptions` unset), which runs every statement on one connection.
 */
export const ownsSqliteTransactions = (payload: Payload): boolean => {
  const adapter = payload.db as unknown as {
    name?: string
    client?: unknown
    transactionOptions?: unknown
  }
  return adapter.name === 'sqlite' && !adapter.transactionOptions && Boolean(adapter.client)
}
