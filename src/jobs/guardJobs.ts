import {
  APIError,
  type Access,
  type CollectionBeforeChangeHook,
  type CollectionBeforeDeleteHook,
  type CollectionBeforeOperationHook,
  type CollectionConfig,
  type PayloadRequest,
  type Where,
} from 'payload'

import { isAdminUser, isEditorUser, isStaffUser } from '../access/roles'
import { POSTS, USERS } from '../lib/slugs'

export const SCHEDULE_PUBLISH_TASK = 'schedulePublish'

/** Scheduled publish/unpublish jobs that have not run yet: what editors may see and cancel. */
export const pendingScheduledPublishing: Where = {
  and: [{ taskSlug: { equals: SCHEDULE_PUBLISH_TASK } }, { completedAt: { exists: false } }],
}

/** Admins see every job; editors see the publishing schedule. */
export const adminsOrEditorsScheduling: Access = ({ req }) =>
  isAdminUser(req.user)
    ? true
    : isEditorUser(req.user)
      ? { taskSlug: { equals: SCHEDULE_PUBLISH_TASK } }
      : false

/** Admins cancel any job; editors cancel scheduled publishing that has not run yet. */
export const adminsOrEditorsCancellingSchedules: Access = ({ req }) =>
  isAdminUser(req.user) ? true : isEditorUser(req.user) ? pendingScheduledPublishing : false

/**
 * Staff may reach `create` so that a writer gets the reason from `guardScheduledPublish` (403 with a
 * message) rather than a bare refusal; the hook lets only editors and admins through.
 */
export const staffQueueing: Access = ({ req }) => isStaffUser(req.user)

type ScheduleInput = {
  type?: unknown
  doc?: { relationTo?: unknown; value?: unknown } | null
  global?: unknown
  locale?: unknown
  timezone?: unknown
  user?: { relationTo?: unknown; value?: unknown } | number | string | null
}

const refuse = (message: string, status: 400 | 401 | 403, path?: string): never => {
  throw new APIError(message, status, path ? { errors: [{ path, message }] } : undefined)
}

/**
 * Who schedules: the requesting user (written into `input.user`, whatever the input said), else the
 * user the input names (the admin's schedule drawer queues with no request user), else nobody
 * (trusted server code; the job then runs with overrideAccess). Only editors and admins may.
 */
const schedulerOf = async (
  req: PayloadRequest,
  input: ScheduleInput,
  viaApi: boolean,
): Promise<PayloadRequest['user']> => {
  let scheduler: PayloadRequest['user'] = null
  if (req.user) {
    scheduler = req.user
    input.user = { relationTo: req.user.collection, value: req.user.id }
  } else if (input.user && typeof input.user === 'object' && input.user.value != null) {
    const found = await req.payload.findByID({
      collection: String(input.user.relationTo ?? 'users') as 'users',
      id: input.user.value as number,
      depth: 0,
      overrideAccess: true,
      req,
      disableErrors: true,
    })
    if (!found) refuse('The user scheduling this no longer exists.', 403)
    scheduler = { ...found, collection: USERS } as PayloadRequest['user']
  } else if (viaApi) {
    refuse('You must be logged in to schedule publishing.', 401)
  }
  if (scheduler && !isEditorUser(scheduler)) {
    refuse(
      'Only editors and admins may schedule publishing or unpublishing; writers submit posts for review.',
      403,
    )
  }
  return scheduler
}

/**
 * Guards the creation of `schedulePublish` jobs, however they are queued: the admin's schedule drawer
 * (its server function calls `payload.jobs.queue` with no request user and no access check, putting the
 * scheduling user in `input.user`), REST `POST /api/payload-jobs`, GraphQL, or the Local API. Only
 * editors and admins may schedule; the target must be an existing post; a publish needs an approved
 * (or already published) post; the time zone must be one the admin offers. Over the API the job is
 * rebuilt from its input alone and always runs as the requesting user.
 *
 * When the job runs, Payload's task publishes as that user with `overrideAccess: false`, so the post
 * access rules and the workflow hook apply a second time.
 */
export const guardScheduledPublish: CollectionBeforeChangeHook = async ({
  data,
  operation,
  req,
}) => {
  if (operation !== 'create') return data
  const viaApi = req.payloadAPI !== 'local'
  if (data.taskSlug !== SCHEDULE_PUBLISH_TASK) {
    if (viaApi && !isAdminUser(req.user)) {
      refuse(
        `Only admins may queue "${String(data.taskSlug ?? data.workflowSlug)}" jobs over the API.`,
        403,
      )
    }
    return data
  }

  const input: ScheduleInput = { ...(data.input as ScheduleInput | undefined) }
  const scheduler = await schedulerOf(req, input, viaApi)

  const type = input.type ?? 'publish'
  if (type !== 'publish' && type !== 'unpublish')
    refuse('"input.type" must be "publish" or "unpublish".', 400, 'input.type')
  input.type = type
  // The newsroom has no scheduled globals; one added later is the admins' business.
  if (input.global != null && (!scheduler || isAdminUser(scheduler))) return { ...data, input }
  if (input.doc?.relationTo !== POSTS || input.doc.value == null || input.doc.value === '') {
    refuse(
      '"input.doc" must name the post: { "relationTo": "posts", "value": <post id> }.',
      400,
      'input.doc',
    )
  }
  const post = await req.payload.findByID({
    collection: POSTS,
    id: input.doc!.value as number,
    depth: 0,
    draft: true,
    overrideAccess: true,
    req,
    disableErrors: true,
  })
  if (!post)
    refuse(
      `There is no post with id ${JSON.stringify(input.doc!.value)} to schedule.`,
      400,
      'input.doc',
    )
  // Payload's task reads the id as a string (payload#10481) and converts it back.
  input.doc = { relationTo: POSTS, value: String(post!.id) }

  const when = data.waitUntil ? new Date(data.waitUntil as string) : undefined
  if (!when || Number.isNaN(when.getTime())) {
    refuse('"waitUntil" (an ISO date and time) is required to schedule.', 400, 'waitUntil')
  }
  if (input.timezone != null) {
    const supported = req.payload.config.admin?.timezones?.supportedTimezones
    const values = Array.isArray(supported) ? supported.map((tz) => tz.value) : []
    if (
      typeof input.timezone !== 'string' ||
      (values.length > 0 && !values.includes(input.timezone))
    ) {
      refuse(`"input.timezone" must be one of ${values.join(', ')}.`, 400, 'input.timezone')
    }
  }
  if (
    type === 'publish' &&
    scheduler &&
    post!.editorialState !== 'approved' &&
    post!._status !== 'published'
  ) {
    refuse(
      `Only an approved post can be scheduled for publishing; this one is "${String(post!.editorialState ?? 'draft').replace('_', ' ')}".`,
      400,
      'input.doc',
    )
  }
  if (!viaApi) return { ...data, input }
  return { taskSlug: SCHEDULE_PUBLISH_TASK, input, waitUntil: when!.toISOString() }
}

/** An anonymous request to queue a job is told to log in (401) rather than a bare 403. */
export const requireLoginToQueue: CollectionBeforeOperationHook = ({
  args,
  operation,
  overrideAccess,
  req,
}) => {
  if (operation === 'create' && !overrideAccess && !req.user)
    refuse('You must be logged in to schedule publishing.', 401)
  return args
}

/**
 * Cancelling a schedule from the admin's drawer goes through the Local API with access overridden;
 * only editors and admins may do it.
 */
export const guardScheduleCancellation: CollectionBeforeDeleteHook = async ({ id, req }) => {
  if (!req.user || isEditorUser(req.user)) return
  const job = await req.payload.findByID({
    collection: 'payload-jobs',
    id,
    depth: 0,
    overrideAccess: true,
    req,
    disableErrors: true,
  })
  if (job?.taskSlug === SCHEDULE_PUBLISH_TASK) {
    refuse('Only editors and admins may cancel scheduled publishing.', 403)
  }
}

/** The jobs collection with the newsroom's access rules and guards appended to Payload's own. */
export const guardJobsCollection = (collection: CollectionConfig): CollectionConfig => ({
  ...collection,
  access: {
    ...collection.access,
    read: adminsOrEditorsScheduling,
    create: staffQueueing,
    delete: adminsOrEditorsCancellingSchedules,
  },
  hooks: {
    ...collection.hooks,
    beforeOperation: [...(collection.hooks?.beforeOperation ?? []), requireLoginToQueue],
    // One hook running Payload's own and then ours: Payload warns about every extra jobs hook as if it
    // would never run (true only for the queue's direct database writes, see withScheduledPublishing).
    beforeChange: [
      chainBeforeChange([...(collection.hooks?.beforeChange ?? []), guardScheduledPublish]),
    ],
    beforeDelete: [...(collection.hooks?.beforeDelete ?? []), guardScheduleCancellation],
  },
})

const chainBeforeChange =
  (hooks: CollectionBeforeChangeHook[]): CollectionBeforeChangeHook =>
  async (args) => {
    let data = args.data
    for (const hook of hooks) data = (await hook({ ...args, data })) ?? data
    return data
  }
