import fs from 'node:fs'

import type { SanitizedConfig, TaskConfig } from 'payload'

/** A task only the multi-server tests queue. */
export const BLOCK_ONCE_TASK = 'testBlockOnce'

/**
 * Records each run (the process id, one line in `${marker}.runs`). The first run anywhere creates
 * `marker`, says so on stdout and then never ends, like a server that dies mid-job; later runs
 * complete.
 */
const blockOnce = {
  slug: BLOCK_ONCE_TASK,
  retries: 0,
  inputSchema: [{ name: 'marker', type: 'text', required: true }],
  handler: async ({ input, job }: { input: { marker: string }; job: { id: number | string } }) => {
    fs.appendFileSync(`${input.marker}.runs`, `${process.pid}\n`)
    let first = true
    try {
      fs.writeFileSync(input.marker, String(process.pid), { flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      first = false
    }
    if (first) {
      process.stdout.write(`@@child ${JSON.stringify({ blocking: job.id, pid: process.pid })}\n`)
      await new Promise(() => {})
    }
    return { output: {} }
  },
} as unknown as TaskConfig

/** Adds the test tasks to the app's config, before any Payload boots from it. */
export const addTestTasks = (config: SanitizedConfig): SanitizedConfig => {
  const tasks = (config.jobs.tasks ??= [])
  if (!tasks.some((task) => task.slug === BLOCK_ONCE_TASK)) tasks.push(blockOnce)
  return config
}
