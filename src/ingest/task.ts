import type { Config, JobsConfig, Payload, TaskConfig } from 'payload'

import { runIngest } from './run'

export const INGEST_TASK = 'ingestFeeds'
export const INGEST_QUEUE = 'ingest'

/** Every minute (croner, seconds first): the task then polls only the sources that are due. */
export const DEFAULT_INGEST_CRON = '0 * * * * *'

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
    // Queued by Payload's scheduler on the ingest queue; one pending job at a time (its default
    // beforeSchedule), so a slow run is never stacked behind another.
    schedule: [{ cron, queue: INGEST_QUEUE }],
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
export const withFeedIngest = (
  config: Config,
  cron = process.env.INGEST_CRON || DEFAULT_INGEST_CRON,
): Config => {
  const host = config.jobs ?? {}
  const ours: AutorunCron = { cron, queue: INGEST_QUEUE, limit: 1 }
  return {
    ...config,
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
