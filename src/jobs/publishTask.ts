import type { CollectionSlug, GlobalSlug, Payload, PayloadRequest, TaskConfig } from 'payload'

import { commitWhileHeld, type HeldJob } from './fence'
import { SCHEDULE_PUBLISH_TASK } from './guardJobs'
import { leaseMsFromEnv } from './runner'

type ScheduleInput = {
  type?: 'publish' | 'unpublish' | null
  locale?: string | null
  doc?: { relationTo: string; value: number | string } | null
  global?: string | null
  user?: { relationTo: string; value: number | string } | number | string | null
}

type Status = 'draft' | 'published'

/**
 * Whether the post (or global) is already where the job would put it, read inside the effect's
 * transaction: a publish whose latest version is published, an unpublish of what readers do not
 * see. Such a run writes nothing, so a run repeated after its first one committed (a runner that
 * stopped between the commit and marking the job done) saves no second version.
 */
const alreadyThere = async (
  payload: Payload,
  req: Partial<PayloadRequest>,
  target: { collection: string; id: number | string } | { global: string },
  status: Status,
): Promise<boolean> => {
  // Publish: the latest version (drafts included) must be the published one. Unpublish: the
  // document readers get (Payload keeps the published one in the main table) must not be published.
  const draft = status === 'published'
  const doc =
    'global' in target
      ? await payload.findGlobal({
          slug: target.global as GlobalSlug,
          draft,
          depth: 0,
          overrideAccess: true,
          req,
        })
      : await payload.findByID({
          collection: target.collection as CollectionSlug,
          id: target.id,
          draft,
          depth: 0,
          overrideAccess: true,
          disableErrors: true,
          req,
        })
  if (!doc) return false
  const current = (doc as { _status?: unknown })._status ?? 'draft'
  return status === 'published' ? current === 'published' : current !== 'published'
}

/** The user who scheduled the job, whose access the publish runs with; null: the system. */
const scheduledBy = async (
  payload: Payload,
  input: ScheduleInput,
  job: HeldJob,
): Promise<PayloadRequest['user']> => {
  if (input.user == null) return null
  if (typeof input.user !== 'object') {
    throw new Error(
      `Scheduled publish job ${job.id} names its user without the user collection and cannot be run safely. Schedule it again from the admin.`,
    )
  }
  return {
    ...(await payload.findByID({
      collection: input.user.relationTo as 'users',
      id: input.user.value,
      depth: 0,
    })),
    collection: input.user.relationTo as 'users',
  } as PayloadRequest['user']
}

/**
 * The `schedulePublish` task's handler in place of Payload's (payload/dist/versions/schedule/job.js,
 * 3.90.2), with the same input and the same rules (the scheduling user's access, or none for a job
 * queued without one; `publishSpecificLocale`), made exactly once:
 * - its write commits only while this run holds the job (`commitWhileHeld`, src/jobs/fence.ts);
 * - a publish of content already published, or an unpublish of what is not, writes nothing.
 * Payload's handler saves with no transaction at all, so two runs of one job both saved a version.
 */
export const publishOnSchedule = async ({
  input,
  job,
  req,
}: {
  input: ScheduleInput
  job: HeldJob
  req: PayloadRequest
}): Promise<{ output: Record<string, never> }> => {
  const { payload } = req
  const status: Status = input?.type === 'unpublish' ? 'draft' : 'published'
  const user = await scheduledBy(payload, input, job)
  const locales = payload.config.localization ? payload.config.localization.locales : []
  const publishSpecificLocale =
    status === 'published' && input.locale && locales.some(({ code }) => code === input.locale)
      ? input.locale
      : undefined
  const leaseMs = leaseMsFromEnv()

  if (input.doc) {
    const { relationTo, value } = input.doc
    // Payload stores the id as a string (payload#10481); back to the collection's id type.
    const idType =
      payload.collections[relationTo as CollectionSlug]?.customIDType ?? payload.db.defaultIDType
    const id = idType === 'number' ? Number(value) : value
    await commitWhileHeld(payload, job, leaseMs, async (txReq) => {
      if (
        !publishSpecificLocale &&
        (await alreadyThere(payload, txReq, { collection: relationTo, id }, status))
      ) {
        payload.logger.info(
          `Job ${job.id}: ${relationTo} ${id} is already ${status}; nothing to do`,
        )
        return
      }
      await payload.update({
        collection: relationTo as CollectionSlug,
        id,
        data: { _status: status },
        depth: 0,
        overrideAccess: user === null,
        publishSpecificLocale,
        user,
        req: txReq,
      })
    })
  }
  if (input.global) {
    const slug = input.global
    await commitWhileHeld(payload, job, leaseMs, async (txReq) => {
      if (
        !publishSpecificLocale &&
        (await alreadyThere(payload, txReq, { global: slug }, status))
      ) {
        payload.logger.info(`Job ${job.id}: global ${slug} is already ${status}; nothing to do`)
        return
      }
      await payload.updateGlobal({
        slug: slug as GlobalSlug,
        data: { _status: status } as never,
        depth: 0,
        overrideAccess: user === null,
        // Typed from the generated config, which has no localization.
        publishSpecificLocale: publishSpecificLocale as never,
        user,
        req: txReq,
      })
    })
  }
  return { output: {} }
}

/**
 * Puts `publishOnSchedule` in place of the handler of Payload's `schedulePublish` task. Payload adds
 * that task while it sanitizes the config, after every plugin ran, so it is replaced once the
 * instance exists (`onInit`), before any job runs.
 */
export const fenceScheduledPublishing = (payload: Payload): void => {
  const task = payload.config.jobs.tasks?.find(({ slug }) => slug === SCHEDULE_PUBLISH_TASK)
  if (task) task.handler = publishOnSchedule as unknown as TaskConfig['handler']
}
