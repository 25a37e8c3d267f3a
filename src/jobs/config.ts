import type { Config, JobsConfig, Payload } from 'payload'

import { cronSecretOrAdmins } from './access'
import { guardJobsCollection } from './guardJobs'
import { ownsJobRunner } from './runner'
import { scheduleEndpoint } from './scheduleEndpoint'

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
   * @default process.env.JOBS_CRON || '*\/10 * * * * *'
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
 * Scheduled publishing that runs with nobody watching: the server's jobs cron (JOBS_CRON, every 10 s),
 * only in the process that claimed the runner (src/jobs/runner.ts), `GET /api/payload-jobs/run` for a
 * platform cron behind CRON_SECRET, the guarded jobs collection (who may schedule), the schedule
 * endpoint, and time zones for the schedule drawer. Appends to whatever jobs setup the host has.
 */
export const withScheduledPublishing = (
  config: Config,
  options: ScheduledPublishingOptions = {},
): Config => {
  const cron = checkCron(options.cron ?? (process.env.JOBS_CRON || DEFAULT_JOBS_CRON))
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
    jobs: {
      ...host,
      tasks: [...(host.tasks ?? [])],
      autoRun: async (payload: Payload) => {
        const hostCrons =
          typeof host.autoRun === 'function' ? await host.autoRun(payload) : (host.autoRun ?? [])
        return [...hostCrons, ours]
      },
      shouldAutoRun: async (payload: Payload) =>
        ownsJobRunner(payload) && (host.shouldAutoRun ? await host.shouldAutoRun(payload) : true),
      access: { ...host.access, run: host.access?.run ?? cronSecretOrAdmins },
      // Not `runHooks`: in 3.90.2 it makes every job-log update fail validation ("Status > Log"). So the
      // admin drawer's `payload.jobs.queue` writes straight to the database, past the creation guard;
      // such a job is still refused when it runs, since the task publishes as its user with
      // `overrideAccess: false`. REST, GraphQL and Local API `create` go through the guard.
      jobsCollectionOverrides: ({ defaultJobsCollection }) =>
        guardJobsCollection(
          host.jobsCollectionOverrides
            ? host.jobsCollectionOverrides({ defaultJobsCollection })
            : defaultJobsCollection,
        ),
    },
  }
}
