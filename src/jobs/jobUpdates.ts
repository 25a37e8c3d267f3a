import type { Payload } from 'payload'

import { ownsSqliteTransactions } from '../lib/sqliteWriteLock'

type UpdateJobs = Payload['db']['updateJobs']

/**
 * Payload's job updates (`updateJobs` in payload/dist/queues/utilities/updateJob.js, 3.90.2) begin a
 * transaction of their own and commit it, but never roll it back when the update fails: on
 * PostgreSQL the pooled connection then stays "idle in transaction (aborted)" for good, and enough
 * of them exhaust the pool (`payload.destroy()` waits on them forever). It happens whenever a run
 * that lost its job (src/jobs/fence.ts) records its failure on a job that the run which took it over
 * completed and deleted: the log row's foreign key refuses it.
 *
 * Wraps the adapter's `updateJobs` so that a failed update rolls back the transaction it ran in, then
 * throws the same error. Not on SQLite without transaction options: there the only transactions are
 * this project's own (fence.ts, the importer's batches), which end themselves.
 */
export const rollBackFailedJobUpdates = (payload: Payload): void => {
  if (ownsSqliteTransactions(payload)) return
  const db = payload.db
  const update: UpdateJobs = db.updateJobs.bind(db)
  db.updateJobs = (async (args: Parameters<UpdateJobs>[0]) => {
    try {
      return await update(args)
    } catch (err) {
      const transactionID = args.req?.transactionID
      if (transactionID !== undefined && transactionID !== null)
        await db.rollbackTransaction(transactionID).catch((rollbackError: unknown) =>
          payload.logger.error({
            err: rollbackError,
            msg: 'Jobs: could not roll back the transaction of a failed job update',
          }),
        )
      throw err
    }
  }) as UpdateJobs
}
