import type { Config, JobsConfig, Payload, TaskConfig } from 'payload'

import { countDueSources, runIngest } from './run'
import { settings } from '../config'
import { withHealthCount } from '../lib/healthChecks'
import { countFailingSources } from './health'
import { discoverFeedsEndpoint } from './discover'

export const INGEST_TASK = 'ingestFeeds'
export const INGEST_QUEUE = 'ingest'

/** Every minute (croner, seconds first): the task then polls only the sources that are due. */
export const DEFAULT_INGEST_CRON = '0 * * * * *'

type ScheduleHooks = NonNullable<NonNullable<TaskConfig['schedule']>[number]['hooks']>
type BeforeScheduleFn = NonNullable<ScheduleHooks['beforeSchedule']>
type AfterScheduleFn = NonNullable<ScheduleHooks['afterSchedule']>
type AutorunCron = Extract<NonNullable<JobsConfig['autoRun']>, unknown[]>[number]

/**
 * The jobs task `ingestFeeds`: one ingest run over the sources that are due (or `input.sources`).
 * A failing feed does not fail the job: it is recorded on its source (health, backoff).
 */
export const ingestFeedsTask = (cron: string): TaskConfig =>
  ({
    slug: INGEST_TASK,
    label: 'Poll the sources’ feeds',
    retries: 0,
    inputSchema: [{ name: 'sources', type: 'text', hasMany: true }],
    outputSchema: [{ name: 'summary', type: 'json' }],
    // Queued by Payload's scheduler on the ingest queue: one pending job at a time (its default
    // beforeSchedule), so a slow run is never stacked behind another, and only when a source is due.
    schedule: [
      {
        cron,
        queue: INGEST_QUEUE,
        hooks: {
          beforeSchedule: async (args: Parameters<BeforeScheduleFn>[0]) => {
            const decision = await args.defaultBeforeSchedule(args)
            if (!decision.shouldSchedule) return decision
            return { ...decision, shouldSchedule: (await countDueSources(args.req.payload)) > 0 }
          },
          // Payload records every tick in the payload-jobs-stats global; an idle tick (nothing due)
          // writes nothing, so a quiet newsroom's database (and the delivery layer's cache, which
          // any write drops) is not written every minute.
          afterSchedule: async (args: Parameters<AfterScheduleFn>[0]) => {
            if (args.status !== 'skipped') await args.defaultAfterSchedule(args)
          },
        },
      },
    ],
    handler: async ({
      input,
      req,
    }: {
      input?: { sources?: string[] }
      req: { payload: Payload }
    }) => {
      const report = await runIngest({
        payload: req.payload,
        sources: input?.sources?.length ? input.sources : undefined,
      })
      return { output: { summary: report.summary } }
    },
  }) as unknown as TaskConfig

/**
 * Registers the ingest task and a jobs cron for its queue, appending to the host's jobs setup. The
 * server's runner (src/jobs/runner.ts) is what runs the crons, so feeds are polled by one process.
 */
export const withFeedIngest = (config: Config, cron = settings().ingestCron): Config => {
  const host = config.jobs ?? {}
  const ours: AutorunCron = { cron, queue: INGEST_QUEUE, limit: 1 }
  const withHealth = withHealthCount(config, {
    section: 'ingest',
    field: 'failingSources',
    count: countFailingSources,
  })
  return {
    ...withHealth,
    // An editor's "discover feeds" on a source: reads its home page, saves nothing.
    endpoints: [...(withHealth.endpoints ?? []), discoverFeedsEndpoint],
    jobs: {
      ...host,
      tasks: [...(host.tasks ?? []), ingestFeedsTask(cron)],
      autoRun: async (payload: Payload) => {
        const hostCrons =
          typeof host.autoRun === 'function' ? await host.autoRun(payload) : (host.autoRun ?? [])
        return [...hostCrons, ours]
      },
    },
  }
}
