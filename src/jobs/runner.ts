import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

import { Cron } from 'croner'
import type { JobsConfig, Payload } from 'payload'

import { claimJob, claimableJobs, JOBS_COLLECTION, releaseJob, renewJobLease } from './leases'
import { settings } from '../config'
import { primaryRequest } from '../db'

type AutorunCron = Extract<NonNullable<JobsConfig['autoRun']>, unknown[]>[number]

/** How long a claim on a job lasts unless renewed, in seconds. @default JOBS_LEASE_SECONDS, 60 */
export const leaseMsFromEnv = (): number => {
  return settings().jobsLeaseSeconds * 1000
}

/** A name for this runner, unique across servers and restarts: host, process and a random part. */
export const runnerIdentity = (): string =>
  `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`

export type RunDueJobsOptions = {
  /** @default 'default' */
  queue?: string
  /** Every queue, not just `queue`. @default false */
  allQueues?: boolean
  /** The most jobs claimed in one call. @default 10 */
  limit?: number
  /** Written into each claimed job's `claimedBy`. */
  holder: string
  /** How long a claim lasts without renewal (renewed every third of it while the job runs). */
  leaseMs: number
  /** The clock that decides which jobs are due and whose lease ran out. @default () => new Date() */
  now?: () => Date
}

/** Whether the holder of `claim` no longer holds job `id` (another claimed it, or it is gone). */
const lostJob = async (payload: Payload, id: number | string, claim: string): Promise<boolean> =>
  !(await payload.db.findOne({
    collection: JOBS_COLLECTION,
    req: primaryRequest(payload),
    where: { and: [{ id: { equals: id } }, { claimedBy: { equals: claim } }] },
  }))

export type RunDueJobsResult = { claimed: number; failed: number; noJobsRemaining: boolean }

/** Renews the lease of every job in `held` every third of `leaseMs`, until the timer is cleared. */
const renewWhileHeld = (
  payload: Payload,
  held: Map<number | string, string>,
  leaseMs: number,
  clock: () => Date,
) => {
  const renew = setInterval(
    () => {
      for (const [id, claim] of held) {
        renewJobLease(payload, id, claim, leaseMs, clock()).then(
          (kept) => {
            if (!kept && held.has(id))
              payload.logger.warn(
                `Job ${id}: the lease ran out and another server claimed the job while it was still running here`,
              )
          },
          (err: unknown) =>
            payload.logger.error({ err, msg: `Job ${id}: could not renew the lease` }),
        )
      }
    },
    Math.max(250, Math.floor(leaseMs / 3)),
  )
  renew.unref()
  return renew
}

/**
 * Runs the jobs that are due, each exactly once however many processes call this at the same time:
 * each candidate is claimed with one conditional update only one caller can win
 * (src/jobs/leases.ts), then run with Payload's own `runByID` (its task, retries and log), its lease
 * renewed while it runs and given back when it ends. A job held by a process that died becomes
 * claimable when its lease runs out, and runs again, once, on whichever process claims it first.
 *
 * Payload's own `jobs.run` reads the due jobs and then marks them `processing` in a second
 * statement, so two processes reading at once both run them (config.ts keeps it from running).
 */
export const runDueJobs = async (
  payload: Payload,
  options: RunDueJobsOptions,
): Promise<RunDueJobsResult> => {
  const { holder, leaseMs } = options
  const clock = options.now ?? (() => new Date())
  const limit = options.limit ?? 10
  const now = clock()
  const where = options.allQueues
    ? claimableJobs(now)
    : { and: [claimableJobs(now), { queue: { equals: options.queue ?? 'default' } }] }
  // From the primary: a lagging replica would offer jobs that already ran (their claims then fail,
  // a wasted round) and hide jobs that just became due.
  const { docs } = await payload.db.find({
    collection: JOBS_COLLECTION,
    req: primaryRequest(payload),
    where,
    sort: payload.collections[JOBS_COLLECTION]?.config.defaultSort ?? 'createdAt',
    limit,
    pagination: false,
    select: { id: true } as never,
  })

  // Each job this call runs, with its claim (the fencing token its effect checks: src/jobs/fence.ts).
  const held = new Map<number | string, string>()
  const renew = renewWhileHeld(payload, held, leaseMs, clock)

  let failed = 0
  const runs: Promise<void>[] = []
  try {
    for (const { id } of docs as { id: number | string }[]) {
      const claim = await claimJob(payload, id, holder, leaseMs, clock())
      if (!claim) continue
      held.set(id, claim)
      runs.push(
        payload.jobs
          .runByID({ id, overrideAccess: true })
          .then(
            (result) => {
              // Typed as a promise of a promise in 3.90.2; it is the result.
              const { jobStatus } = result as unknown as {
                jobStatus?: Record<string, { status: string }>
              }
              const status = jobStatus?.[String(id)]?.status
              if (status && status !== 'success') failed++
            },
            async (err: unknown) => {
              failed++
              // A run that lost the job (src/jobs/fence.ts) wrote nothing; Payload's record of its
              // failure may then fail too, on a job the other run completed and deleted.
              if (await lostJob(payload, id, claim))
                payload.logger.warn(
                  `Job ${id}: this run's lease ran out and another runner took the job over; this run wrote nothing`,
                )
              else payload.logger.error({ err, msg: `Job ${id} failed to run` })
            },
          )
          .finally(() => {
            held.delete(id)
            return releaseJob(payload, id, claim).catch((err: unknown) =>
              payload.logger.error({
                err,
                msg: `Job ${id}: could not release the lease (another server may run it once it runs out)`,
              }),
            )
          }),
      )
    }
  } finally {
    await Promise.all(runs)
    clearInterval(renew)
  }
  return { claimed: runs.length, failed, noJobsRemaining: docs.length < limit }
}

export type JobRunnerOptions = {
  /** How long a claim lasts unless renewed. @default leaseMsFromEnv() (JOBS_LEASE_SECONDS, 60 s) */
  leaseMs?: number
  /** @default runnerIdentity() */
  holder?: string
  /** How long `stop` waits for jobs still running here, in ms. @default 10000 */
  stopTimeoutMs?: number
}

export type JobRunner = {
  /** Written into the jobs this runner claims. */
  holder: string
  /** Runs every cron once now (jobs that fell due while no server was running). */
  runNow: () => Promise<void>
  /** Stops the crons and waits for the jobs running here to end. */
  stop: () => Promise<void>
}

/**
 * Runs the jobs crons of the config (`jobs.autoRun`: the newsroom's JOBS_CRON and any the host adds)
 * in this process with `runDueJobs`. Every server may start one: each due job still runs once.
 * A tick does not start while the previous tick of the same cron still runs.
 */
export const startJobRunner = async (
  payload: Payload,
  options: JobRunnerOptions = {},
): Promise<JobRunner> => {
  const holder = options.holder ?? runnerIdentity()
  const leaseMs = options.leaseMs ?? leaseMsFromEnv()
  const { autoRun } = payload.config.jobs
  const crons: AutorunCron[] =
    typeof autoRun === 'function' ? await autoRun(payload) : (autoRun ?? [])

  let stopped = false
  const ticks = crons.map((cron) => {
    let running: Promise<void> | undefined
    const tick = () =>
      (running ??= (async () => {
        try {
          if (stopped) return
          await runDueJobs(payload, {
            queue: cron.queue,
            allQueues: cron.allQueues,
            limit: cron.limit ?? 10,
            holder,
            leaseMs,
          })
        } catch (err) {
          payload.logger.error({ err, msg: `Jobs runner: the tick of "${cron.cron}" failed` })
        } finally {
          running = undefined
        }
      })())
    const timer = new Cron(cron.cron ?? '* * * * *', { sloppyRanges: true }, () => tick())
    return { tick, timer, current: () => running }
  })

  return {
    holder,
    runNow: async () => {
      await Promise.all(ticks.map(({ tick }) => tick()))
    },
    stop: async () => {
      stopped = true
      for (const { timer } of ticks) timer.stop()
      const timeout = options.stopTimeoutMs ?? 10_000
      let timer: NodeJS.Timeout | undefined
      const ended = await Promise.race([
        Promise.all(ticks.map(({ current }) => current())).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeout)
        }),
      ])
      clearTimeout(timer)
      // Their leases run out and another server runs them again.
      if (!ended)
        payload.logger.warn(`Jobs runner: stopping with jobs still running after ${timeout} ms`)
    },
  }
}
