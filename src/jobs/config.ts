import type { CollectionConfig, Config, Endpoint, JobsConfig, Payload } from 'payload'

import { cronSecretOrAdmins } from './access'
import { guardJobsCollection } from './guardJobs'
import { rollBackFailedJobUpdates } from './jobUpdates'
import { withJobLeases } from './leases'
import { fenceScheduledPublishing } from './publishTask'
import { leaseMsFromEnv, runDueJobs, runnerIdentity } from './runner'
import { scheduleEndpoint } from './scheduleEndpoint'
import { settings } from '../config'

type AutorunCron = Extract<NonNullable<JobsConfig['autoRun']>, unknown[]>[number]
type Timezone = { label: string; value: string }

/** Every 10 seconds (croner's 6-field syntax, seconds first). */
export const DEFAULT_JOBS_CRON = '*/10 * * * * *'

/** Time zones offered by the schedule drawer and date fields; the newsroom's first. */
export const NEWSROOM_TIMEZONES: Timezone[] = [
  { label: '北京 / 上海 (Asia/Shanghai)', value: 'Asia/Shanghai' },
  { label: '台北 (Asia/Taipei)', value: 'Asia/Taipei' },
  { label: '香港 (Asia/Hong_Kong)', value: 'Asia/Hong_Kong' },
  { label: 'Paris (Europe/Paris)', value: 'Europe/Paris' },
  { label: 'London (Europe/London)', value: 'Europe/London' },
  { label: 'New York (America/New_York)', value: 'America/New_York' },
  { label: 'UTC', value: 'UTC' },
]

export type ScheduledPublishingOptions = {
  /**
   * How often the server's runner looks for due jobs (croner syntax; 6 fields with seconds).
   * @default settings().jobsCron (JOBS_CRON), '*\/10 * * * * *'
   */
  cron?: string
  /**
   * Time zones an editor can schedule in; the host's `admin.timezones` wins when it sets one.
   * @default NEWSROOM_TIMEZONES, default 'Asia/Shanghai'
   */
  timezones?: { supported: Timezone[]; default: string }
}

const checkCron = (cron: string): string => {
  const fields = cron.trim().split(/\s+/)
  if (
    fields.length < 5 ||
    fields.length > 7 ||
    fields.some((f) => !/^[\d*/,\-?LW#A-Za-z]+$/.test(f))
  ) {
    throw new Error(
      `JOBS_CRON "${cron}" is not a cron pattern. Use croner syntax with seconds first, e.g. "${DEFAULT_JOBS_CRON}" (every 10 s) or "0 * * * * *" (every minute).`,
    )
  }
  return cron.trim()
}

/**
 * `GET /api/payload-jobs/run` (a platform cron, behind `jobs.access.run`) with the claiming runner
 * instead of Payload's, so a platform cron and the servers' crons never run a job twice. Same query
 * parameters (`queue`, `allQueues`, `limit`) and answer as Payload's.
 */
const runJobsEndpoint = (runnerOf: () => string): Endpoint => ({
  path: '/run',
  method: 'get',
  handler: async (req) => {
    const access = req.payload.config.jobs.access?.run
    if (!access || !(await access({ req })))
      return Response.json({ message: req.i18n.t('error:unauthorized') }, { status: 401 })
    const { allQueues, limit, queue } = req.query as Record<string, string | undefined>
    const parsedLimit = Number(limit)
    try {
      const result = await runDueJobs(req.payload, {
        queue: queue || 'default',
        allQueues: allQueues !== undefined && allQueues !== 'false',
        limit: limit !== undefined && Number.isInteger(parsedLimit) ? parsedLimit : 10,
        holder: runnerOf(),
        leaseMs: leaseMsFromEnv(),
      })
      return Response.json({
        message: req.i18n.t('general:success'),
        noJobsRemaining: result.noJobsRemaining,
        remainingJobsFromQueried: result.failed,
      })
    } catch (err) {
      req.payload.logger.error({ err, msg: 'GET /api/payload-jobs/run: running the jobs failed' })
      return Response.json(
        {
          message: req.i18n.t('error:unknown'),
          noJobsRemaining: true,
          remainingJobsFromQueried: 0,
        },
        { status: 500 },
      )
    }
  },
})

/** The jobs collection with leases, and our `/run` in place of Payload's. */
const withClaimingRunner = (collection: CollectionConfig): CollectionConfig => {
  let holder: string | undefined
  return {
    ...withJobLeases(collection),
    endpoints: [
      runJobsEndpoint(() => (holder ??= `${runnerIdentity()}:endpoint`)),
      ...(Array.isArray(collection.endpoints) ? collection.endpoints : []).filter(
        (e) => !(e.path === '/run' && e.method === 'get'),
      ),
    ],
  }
}

/**
 * Scheduled publishing that runs with nobody watching: the jobs crons (JOBS_CRON, every 10 s) run by
 * every server that starts a runner (src/jobs/runner.ts; each due job runs once however many do),
 * `GET /api/payload-jobs/run` for a platform cron behind CRON_SECRET, the guarded jobs collection
 * (who may schedule), the schedule endpoint, and time zones for the schedule drawer. Appends to
 * whatever jobs setup the host has.
 */
export const withScheduledPublishing = (
  config: Config,
  options: ScheduledPublishingOptions = {},
): Config => {
  const cron = checkCron(options.cron ?? settings().jobsCron)
  const host = config.jobs ?? {}
  const ours: AutorunCron = { cron, queue: 'default', limit: 50 }
  const timezones = options.timezones ?? { supported: NEWSROOM_TIMEZONES, default: 'Asia/Shanghai' }
  return {
    ...config,
    admin: {
      ...config.admin,
      timezones: config.admin?.timezones ?? {
        supportedTimezones: timezones.supported,
        defaultTimezone: timezones.default,
      },
    },
    endpoints: [...(config.endpoints ?? []), scheduleEndpoint],
    onInit: async (payload) => {
      // Before anything (the host's onInit included) can run a job.
      fenceScheduledPublishing(payload)
      rollBackFailedJobUpdates(payload)
      await config.onInit?.(payload)
    },
    jobs: {
      ...host,
      tasks: [...(host.tasks ?? [])],
      autoRun: async (payload: Payload) => {
        const hostCrons =
          typeof host.autoRun === 'function' ? await host.autoRun(payload) : (host.autoRun ?? [])
        return [...hostCrons, ours]
      },
      // Payload's own crons (started in any instance that serves a request) never run jobs: its
      // runner reads due jobs and marks them in a second statement, so two processes both run them.
      // `startJobRunner` runs these crons with a claim per job instead.
      shouldAutoRun: () => false,
      access: { ...host.access, run: host.access?.run ?? cronSecretOrAdmins },
      // Not `runHooks`: in 3.90.2 it makes every job-log update fail validation ("Status > Log"). So the
      // admin drawer's `payload.jobs.queue` writes straight to the database, past the creation guard;
      // such a job is still refused when it runs, since the task publishes as its user with
      // `overrideAccess: false`. REST, GraphQL and Local API `create` go through the guard.
      jobsCollectionOverrides: ({ defaultJobsCollection }) =>
        withClaimingRunner(
          guardJobsCollection(
            host.jobsCollectionOverrides
              ? host.jobsCollectionOverrides({ defaultJobsCollection })
              : defaultJobsCollection,
          ),
        ),
    },
  }
}
