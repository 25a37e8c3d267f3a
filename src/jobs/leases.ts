import { randomBytes } from 'node:crypto'

import type { CollectionConfig, Field, Payload, PayloadRequest, Where } from 'payload'

import { ownsSqliteTransactions, withSqliteWriteLock } from '../lib/sqliteWriteLock'

/** Payload's jobs collection. */
export const JOBS_COLLECTION = 'payload-jobs'

/**
 * Who holds a job and until when. A runner claims a due job by setting both in one conditional
 * update that only one process can win; it renews `leaseUntil` while the job runs and clears both
 * when it is done. A job whose lease ran out (its server died, or was too slow to renew) is
 * claimable again. `claimedBy` names the runner and the claim (`host:pid:id/claim`): each claim
 * writes a new one, so it is the fencing token a job's effect checks before it commits
 * (src/jobs/fence.ts).
 */
export const jobLeaseFields: Field[] = [
  {
    name: 'claimedBy',
    type: 'text',
    admin: {
      readOnly: true,
      description: 'The server running this job and its claim (host:pid:id/claim), while it runs.',
    },
  },
  {
    name: 'leaseUntil',
    type: 'date',
    index: true,
    admin: {
      readOnly: true,
      date: { pickerAppearance: 'dayAndTime' },
      description:
        'Until when that server holds the job; it renews this while the job runs. Past it, another server may run the job.',
    },
  },
]

/** The jobs collection with the lease fields. */
export const withJobLeases = (collection: CollectionConfig): CollectionConfig => ({
  ...collection,
  fields: [...collection.fields, ...jobLeaseFields],
})

/**
 * Jobs a runner may claim at `now`: not completed, not failed for good, due, and either never claimed
 * and not running (a job Payload's own runner is running has `processing` and no lease: not ours to
 * take), or claimed by a server whose lease ran out.
 */
export const claimableJobs = (now: Date): Where => ({
  and: [
    { completedAt: { exists: false } },
    { hasError: { not_equals: true } },
    {
      or: [{ waitUntil: { exists: false } }, { waitUntil: { less_than: now.toISOString() } }],
    },
    {
      or: [
        { and: [{ processing: { equals: false } }, { leaseUntil: { exists: false } }] },
        { leaseUntil: { less_than: now.toISOString() } },
      ],
    },
  ],
})

// `updateOne` with a `where` and no id is one conditional statement: drizzle (SQLite, Postgres) runs
// a single `UPDATE ... WHERE ... RETURNING` when asked for `atomic`, MongoDB's `findOneAndUpdate`
// is atomic by itself. Two processes asking at once: one gets the row, the other null.
const atomic = (payload: Payload) =>
  payload.db.name === 'mongoose' ? undefined : ({ atomic: true } as Record<string, unknown>)

/**
 * Claims job `id` for `holder` until `now + leaseMs`, if it is claimable: the claim (the fencing token
 * written into `claimedBy`) when this call won it, null otherwise. The claim also sets `processing`,
 * so Payload's own runner (which picks `processing: false`) leaves it alone. On SQLite it waits for
 * a fenced effect of this process to commit (src/jobs/fence.ts): it would otherwise join that
 * effect's transaction on the shared connection.
 */
export const claimJob = async (
  payload: Payload,
  id: number | string,
  holder: string,
  leaseMs: number,
  now: Date = new Date(),
): Promise<string | null> => {
  const claim = `${holder}/${randomBytes(6).toString('hex')}`
  const update = () =>
    payload.db.updateOne({
      collection: JOBS_COLLECTION,
      where: { and: [{ id: { equals: id } }, claimableJobs(now)] },
      data: {
        claimedBy: claim,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        processing: true,
        updatedAt: now.toISOString(),
      },
      options: atomic(payload),
    })
  const claimed = ownsSqliteTransactions(payload)
    ? await withSqliteWriteLock(payload, update)
    : await update()
  return claimed ? claim : null
}

/**
 * One update of job `id` that only the holder of `claim`, while it holds the job, can make: whether
 * it matched. With `req`, inside that request's transaction.
 */
const updateHeldJob = async (
  payload: Payload,
  id: number | string,
  claim: string,
  data: Record<string, unknown>,
  req?: Partial<PayloadRequest>,
): Promise<boolean> =>
  Boolean(
    await payload.db.updateOne({
      collection: JOBS_COLLECTION,
      where: { and: [{ id: { equals: id } }, { claimedBy: { equals: claim } }] },
      data,
      req,
      options: atomic(payload),
    }),
  )

/**
 * Extends the lease of `claim` on job `id`: false when it no longer holds it (its lease ran out and
 * another server claimed the job, or the job is gone). With `req`, inside that request's
 * transaction: the fence of a job's effect (src/jobs/fence.ts).
 */
export const renewJobLease = async (
  payload: Payload,
  id: number | string,
  claim: string,
  leaseMs: number,
  now: Date = new Date(),
  req?: Partial<PayloadRequest>,
): Promise<boolean> =>
  updateHeldJob(
    payload,
    id,
    claim,
    { leaseUntil: new Date(now.getTime() + leaseMs).toISOString() },
    req,
  )

/**
 * Gives job `id` back after the holder of `claim` ran it (a job to retry is then claimable again).
 * The run has ended here, whatever Payload recorded: `processing` goes too, or a run that threw
 * before Payload cleared it would leave the job looking taken for ever.
 */
export const releaseJob = async (
  payload: Payload,
  id: number | string,
  claim: string,
): Promise<void> => {
  await updateHeldJob(payload, id, claim, { claimedBy: null, leaseUntil: null, processing: false })
}
