import type { Payload, PayloadRequest, Where } from 'payload'

import { SCHEDULE_PUBLISH_TASK } from './guardJobs'
import { settings } from '../config'
import { POSTS } from '../lib/slugs'

/**
 * How late a pending job must be to count as overdue. The runner ticks every JOBS_CRON (10 s by
 * default) and runs jobs fallen due at start-up, so a job still waiting a minute after its time was
 * missed, not merely queued.
 * @default 60 (seconds, env JOBS_OVERDUE_AFTER_SECONDS)
 */
export const overdueAfterMs = (): number => {
  return settings().jobsOverdueAfterSeconds * 1000
}

/**
 * Jobs that should have run by `now` and have not: not completed, not running, and due (their
 * `waitUntil`, or when queued if they have none) more than the grace period ago. Failed jobs that
 * will not be retried stay in this set until someone deals with them.
 */
export const overdueJobs = (now: Date = new Date()): Where => {
  const cutoff = new Date(now.getTime() - overdueAfterMs()).toISOString()
  return {
    and: [
      { completedAt: { exists: false } },
      { processing: { not_equals: true } },
      {
        or: [
          { waitUntil: { less_than: cutoff } },
          { and: [{ waitUntil: { exists: false } }, { createdAt: { less_than: cutoff } }] },
        ],
      },
    ],
  }
}

/** The number of overdue jobs of any kind (reported by /healthz). */
export const countOverdueJobs = async (
  payload: Payload,
  now: Date = new Date(),
): Promise<number> => {
  if (!payload.collections['payload-jobs']) return 0
  const { totalDocs } = await payload.count({
    collection: 'payload-jobs',
    where: overdueJobs(now),
    overrideAccess: true,
  })
  return totalDocs
}

/** One scheduled publish or unpublish: the contract of `GET /api/newsroom/schedule`. */
export type ScheduleEntry = {
  postId: number | string
  title: string | null
  action: 'publish' | 'unpublish'
  /** ISO instant (UTC) the job is due. */
  waitUntil: string
  /** The time zone the editor chose in the schedule drawer, when they chose one. */
  timezone?: string
  /** The job, e.g. to cancel it with `DELETE /api/payload-jobs/:jobId`. */
  jobId: number | string
  /** Why the last attempt failed, for an overdue job that did run and failed. */
  error?: string
}

export type Schedule = { upcoming: ScheduleEntry[]; overdue: ScheduleEntry[] }

type JobDoc = {
  id: number | string
  waitUntil?: string | null
  hasError?: boolean | null
  error?: unknown
  input?: {
    type?: string
    timezone?: string
    doc?: { relationTo?: string; value?: number | string } | null
  } | null
}

const describeError = (error: unknown): string | undefined => {
  if (error == null) return undefined
  if (typeof error === 'string') return error
  if (typeof error === 'object' && 'message' in error && typeof error.message === 'string')
    return error.message
  return JSON.stringify(error)
}

/**
 * Pending scheduled publishing, soonest first: `overdue` as defined by `overdueJobs` plus jobs that
 * failed and will not be retried (with `error`, the reason), `upcoming` the rest (including jobs due this very moment that the next tick will run). Titles come from the latest
 * version of each post, fetched in one query.
 */
export const readSchedule = async (
  req: PayloadRequest,
  now: Date = new Date(),
): Promise<Schedule> => {
  const { payload } = req
  const pending: Where = {
    and: [{ taskSlug: { equals: SCHEDULE_PUBLISH_TASK } }, { completedAt: { exists: false } }],
  }
  const [all, late] = await Promise.all([
    payload.find({
      collection: 'payload-jobs',
      where: pending,
      sort: 'waitUntil',
      limit: 500,
      depth: 0,
      overrideAccess: true,
      req,
    }),
    payload.find({
      collection: 'payload-jobs',
      where: { and: [pending, overdueJobs(now)] },
      limit: 500,
      depth: 0,
      pagination: false,
      overrideAccess: true,
      req,
    }),
  ])
  const lateIds = new Set(late.docs.map((job) => String(job.id)))
  const jobs = (all.docs as JobDoc[]).filter(
    (job) => job.input?.doc?.relationTo === POSTS && job.waitUntil,
  )
  const postIds = [...new Set(jobs.map((job) => job.input!.doc!.value!))]
  const titles = new Map<string, string | null>()
  if (postIds.length > 0) {
    const { docs } = await payload.find({
      collection: POSTS,
      where: { id: { in: postIds } },
      select: { title: true },
      draft: true,
      depth: 0,
      limit: postIds.length,
      pagination: false,
      overrideAccess: true,
      req,
    })
    for (const post of docs) titles.set(String(post.id), post.title ?? null)
  }
  const schedule: Schedule = { upcoming: [], overdue: [] }
  for (const job of jobs) {
    const value = job.input!.doc!.value!
    const entry: ScheduleEntry = {
      postId: payload.db.defaultIDType === 'number' ? Number(value) : value,
      title: titles.get(String(value)) ?? null,
      action: job.input?.type === 'unpublish' ? 'unpublish' : 'publish',
      waitUntil: new Date(job.waitUntil!).toISOString(),
      jobId: job.id,
    }
    if (job.input?.timezone) entry.timezone = job.input.timezone
    // A job that failed for good (e.g. a publish refused because the post changed since approval)
    // will not run again: it is shown with its reason at once, not after the grace period.
    if (lateIds.has(String(job.id)) || job.hasError) {
      const error = job.hasError ? describeError(job.error) : undefined
      if (error) entry.error = error
      schedule.overdue.push(entry)
    } else {
      schedule.upcoming.push(entry)
    }
  }
  return schedule
}
