import { createRequire } from 'node:module'

import type { Request } from 'express'
import type { Payload } from 'payload'

import { isStaffRequest } from '../delivery/auth'

import { countFailingSources } from '../ingest/health'
import { countOverdueJobs } from '../jobs/schedule'

const require = createRequire(import.meta.url)
const pkg: { version: string; dependencies: Record<string, string> } = require('../../package.json')
const appVersion = pkg.version
// Pinned exactly in package.json, so this is the version that runs.
const payloadVersion = pkg.dependencies.payload

export type HealthReport = {
  ok: boolean
  version: string
  payload: string
  database: { ok: boolean; adapter: string; latencyMs?: number; error?: string }
  /** Jobs (scheduled publishing) pending well past their time; informational, never makes `ok` false. */
  jobs: { overdue: number | null; error?: string }
  /** Sources whose feed polls are failing; informational, never makes `ok` false. */
  ingest: { failingSources: number | null; error?: string }
  uptimeSeconds: number
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ])

/** Whether the database answers a real query, and which versions are running. */
export const healthReport = async (payload: Payload): Promise<HealthReport> => {
  const started = performance.now()
  const database: HealthReport['database'] = { ok: false, adapter: payload.db.name }
  try {
    await withTimeout(payload.count({ collection: 'users', overrideAccess: true }), 2000)
    database.ok = true
    database.latencyMs = Math.round((performance.now() - started) * 10) / 10
  } catch (err) {
    database.error = err instanceof Error ? err.message : String(err)
  }
  const jobs: HealthReport['jobs'] = { overdue: null }
  if (database.ok) {
    try {
      jobs.overdue = await withTimeout(countOverdueJobs(payload), 2000)
    } catch (err) {
      jobs.error = err instanceof Error ? err.message : String(err)
    }
  }
  const ingest: HealthReport['ingest'] = { failingSources: null }
  if (database.ok) {
    try {
      ingest.failingSources = await withTimeout(countFailingSources(payload), 2000)
    } catch (err) {
      ingest.error = err instanceof Error ? err.message : String(err)
    }
  }
  return {
    ok: database.ok,
    version: appVersion,
    payload: payloadVersion,
    database,
    jobs,
    ingest,
    uptimeSeconds: Math.round(process.uptime()),
  }
}

/** What a `/healthz` caller sees of `report`. */
export type PublicHealthReport = Omit<HealthReport, 'version' | 'payload'> &
  Partial<Pick<HealthReport, 'version' | 'payload'>>

/**
 * The report for the caller of `/healthz`: staff see the versions running, anyone else (load
 * balancers, probes, attackers) the same health without them, since a version tells an attacker
 * which known flaws to try.
 */
export const reportFor = async (
  payload: Payload,
  req: Request,
  report: HealthReport,
): Promise<PublicHealthReport> => {
  if (await isStaffRequest(payload, req)) return report
  const { version: _version, payload: _payload, ...rest } = report
  return rest
}
