import type { RequestHandler } from 'express'
import type { Payload } from 'payload'

import { healthReport } from './health'

export type Readiness = {
  /** Marks start-up work done: `/readyz` answers 200 from now on (while the database answers). */
  markReady: () => void
  isReady: () => boolean
  /** GET /readyz */
  handler: RequestHandler
}

/**
 * `/readyz`: 503 until the start-up work is done (`npm start` creates the first admin and imports the
 * examples after the server listens), then the health report (503 while the database does not
 * answer). A script or load balancer waits for this one; `/healthz` says only that the process is
 * alive and its database answers, which is true before the first admin exists.
 */
export const readiness = (payload: Payload, ready = false): Readiness => {
  let done = ready
  return {
    markReady: () => {
      done = true
    },
    isReady: () => done,
    handler: async (_req, res, next) => {
      try {
        res.set('cache-control', 'no-store')
        if (!done) {
          res
            .status(503)
            .json({ ok: false, ready: false, reason: 'start-up work is still running' })
          return
        }
        const report = await healthReport(payload)
        res.status(report.ok ? 200 : 503).json({ ...report, ready: true })
      } catch (err) {
        next(err)
      }
    },
  }
}
