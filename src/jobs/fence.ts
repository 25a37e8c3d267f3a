import { randomUUID } from 'node:crypto'

import type { Payload, PayloadRequest } from 'payload'

import { acquireSqliteWriteLock, ownsSqliteTransactions } from '../lib/sqliteWriteLock'
import { renewJobLease } from './leases'

/** A job as its task handler sees it: `claimedBy` is the claim our runner wrote (leases.ts). */
export type HeldJob = { id: number | string; claimedBy?: string | null }

/** The run lost its job to another runner before its effect committed: nothing was written. */
export class LostClaimError extends Error {
  override name = 'LostClaimError'
}

type EffectTransaction = {
  /** Pass it as `req` to every Local API call of the effect. */
  req: Partial<PayloadRequest>
  commit: () => Promise<void>
  rollback: () => Promise<void>
}

type SqliteAdapter = {
  client: { execute: (sql: string) => Promise<unknown> }
  drizzle: unknown
  sessions: Record<string, unknown>
}

/**
 * A transaction for one effect. On SQLite (no transactions in `@payloadcms/db-sqlite` unless
 * configured) `BEGIN IMMEDIATE` ... `COMMIT` on the adapter's connection under the process's write
 * lock (src/lib/sqliteWriteLock.ts), registered as an adapter session like the importer's batches;
 * elsewhere the adapter's own (Postgres; MongoDB on a replica set). Null `req.transactionID` where
 * the database has none (a standalone MongoDB): the effect then is not atomic with its fence.
 */
const beginEffect = async (payload: Payload): Promise<EffectTransaction> => {
  if (ownsSqliteTransactions(payload)) {
    const adapter = payload.db as unknown as SqliteAdapter
    const release = await acquireSqliteWriteLock(payload)
    const id = randomUUID()
    const settled = async () => {}
    const end = async (statement: 'COMMIT' | 'ROLLBACK') => {
      delete adapter.sessions[id]
      try {
        await adapter.client.execute(statement)
      } catch (err) {
        // Left open, the transaction would take in every later statement of this process.
        if (statement === 'COMMIT') await adapter.client.execute('ROLLBACK')
        throw err
      } finally {
        release()
      }
    }
    try {
      await adapter.client.execute('BEGIN IMMEDIATE')
    } catch (err) {
      release()
      throw err
    }
    adapter.sessions[id] = { db: adapter.drizzle, resolve: settled, reject: settled }
    return {
      req: { transactionID: id },
      commit: () => end('COMMIT'),
      rollback: () => end('ROLLBACK'),
    }
  }
  const id = (await payload.db.beginTransaction()) ?? undefined
  return {
    req: { transactionID: id },
    commit: async () => {
      if (id !== undefined) await payload.db.commitTransaction(id)
    },
    rollback: async () => {
      if (id !== undefined) await payload.db.rollbackTransaction(id)
    },
  }
}

/**
 * Runs a job's effect so that it commits only while the run still holds the job: exactly once,
 * even when a run outlives its lease (a starved process that could not renew it) and another
 * runner claims the job and runs it too.
 *
 * The effect runs in one transaction that first renews the lease of this run's claim with a
 * conditional update (`claimedBy` equals the claim: the fencing token, src/jobs/leases.ts). That
 * update and the effect commit together or not at all:
 * - SQLite: the transaction holds the database's write lock from its first statement to its
 *   commit, so no other process can claim the job in between, and claims in this process wait for
 *   the same lock; a claim after the commit finds the renewed lease.
 * - Postgres: the renewal locks the job's row until the commit; a concurrent claim (one
 *   `UPDATE ... WHERE` with the lease condition) waits for it, then re-reads the row and finds the
 *   renewed lease.
 * - MongoDB: the same holds inside a transaction (replica set): the claim's `findOneAndUpdate` on the
 *   job document conflicts with the transaction's write to it and waits for it (or retries) until the
 *   commit, then finds the renewed lease. A standalone MongoDB has no transactions: there the check
 *   and the effect are two steps, and only the effect's own idempotence (publishOnSchedule) is left.
 *
 * A claim lost before the effect throws `LostClaimError` with nothing written; the run that holds
 * the job does the work. A job not claimed through our runner (no `claimedBy`: `payload.jobs.run`
 * in a script) runs in the transaction without a fence.
 */
export const commitWhileHeld = async <T>(
  payload: Payload,
  job: HeldJob,
  leaseMs: number,
  effect: (req: Partial<PayloadRequest>) => Promise<T>,
): Promise<T> => {
  const tx = await beginEffect(payload)
  let held = true
  try {
    if (job.claimedBy)
      held = await renewJobLease(payload, job.id, job.claimedBy, leaseMs, new Date(), tx.req)
  } catch (err) {
    await tx.rollback()
    throw err
  }
  if (!held) {
    // Nothing of this run was written; on SQLite a rollback would undo what else this process wrote
    // meanwhile on the shared connection.
    await tx.commit()
    throw new LostClaimError(
      `Job ${job.id}: another runner claimed it after this run's lease ran out; this run writes nothing and leaves the job to it`,
    )
  }
  let result: T
  try {
    result = await effect(tx.req)
  } catch (err) {
    await tx.rollback()
    throw err
  }
  await tx.commit()
  return result
}
