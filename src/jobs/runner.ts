import type { Payload } from 'payload'

/**
 * The Payload instances whose jobs crons may run jobs. Only the long-running server claims its
 * instance (src/server.ts). Payload starts the crons in any instance that serves a request
 * (`createPayloadRequest` asks for `cron: true`), e.g. a server started with `jobs: false` or a bare
 * `next start`; `shouldAutoRun` then keeps those from running jobs, so exactly one process owns them.
 */
const jobRunners = new WeakSet<Payload>()

export const claimJobRunner = (payload: Payload): void => {
  jobRunners.add(payload)
}

export const ownsJobRunner = (payload: Payload): boolean => jobRunners.has(payload)

/**
 * Runs every jobs cron once now, so jobs that fell due while no server was running are published at
 * start-up instead of at the next tick. Croner's `protect` keeps this from overlapping a tick.
 */
export const runJobsCronsNow = async (payload: Payload): Promise<void> => {
  await Promise.all(payload.crons.map((cron) => cron.trigger()))
}
