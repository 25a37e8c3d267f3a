import { createRequire } from 'node:module'

import type { Request } from 'express'
import type { Payload } from 'payload'

import { isStaffRequest } from '../delivery/auth'

import { healthCounts } from '../lib/healthChecks'
import { countOverdueJobs } from '../jobs/schedule'
import { USERS } from '../lib/slugs'

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
  uptimeSeconds: number
} & {
  /**
   * The counts features registered (src/lib/healthChecks.ts), one section each: ingest's
   * `{ failingSources }`, sources whose feed polls are failing. Informational, never make `ok` false.
   */
  [section: string]: unknown
}

/** One registered section: its counts, `null` when the database is down or the count failed. */
export type HealthSection = Record<string, number | null> & { error?: string }

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
    await withTimeout(payload.count({ collection: USERS, overrideAccess: true }), 2000)
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
  const sections: Record<string, HealthSection> = {}
  for (const { section, field, count } of healthCounts(payload.config)) {
    const entry = (sections[section] ??= {} as HealthSection)
    entry[field] = null
    if (!database.ok) continue
    try {
      entry[field] = await withTimeout(count(payload), 2000)
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err)
    }
  }
  return {
    ok: database.ok,
    version: appVersion,
    payload: payloadVersion,
    database,
    jobs,
    ...sections,
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
