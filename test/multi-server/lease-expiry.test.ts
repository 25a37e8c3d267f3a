import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { CollectionAfterReadHook, Payload } from 'payload'

import { runDueJobs } from '../../src/jobs/runner'
import { bootPayload, createUser } from '../helpers/payload'

/**
 * Exactly once when a run outlives its lease (a machine so busy that the runner could not renew it):
 * runner A claims a scheduled publish and stalls before its write; runner B, whose clock says A's
 * lease ran out, claims the job and publishes; then A goes on. Without a fence both saved a published
 * version. The stall is a gate on the scheduling user's read (the first thing the task does), opened
 * once B has finished; B's clock is the only stub.
 */
let payload: Payload
let editorId: number | string

/** A gate the next read of a user waits on, once. */
let stallNextUserRead: { reached: () => void; opened: Promise<void> } | undefined
const stallUserRead: CollectionAfterReadHook = async ({ doc }) => {
  const stall = stallNextUserRead
  if (stall) {
    stallNextUserRead = undefined
    stall.reached()
    await stall.opened
  }
  return doc
}

beforeAll(async () => {
  payload = await bootPayload()
  const users = payload.collections.users.config
  users.hooks.afterRead = [...(users.hooks.afterRead ?? []), stallUserRead]
  editorId = (await createUser(payload, 'editor')).id
})
afterAll(async () => {
  await payload?.destroy()
})

const publishedVersions = async (postId: number | string) =>
  (
    await payload.countVersions({
      collection: 'posts',
      where: {
        and: [{ parent: { equals: postId } }, { 'version._status': { equals: 'published' } }],
      },
      overrideAccess: true,
    })
  ).totalDocs

const schedule = async (postId: number | string, type: 'publish' | 'unpublish') =>
  (await payload.jobs.queue({
    task: 'schedulePublish',
    input: {
      type,
      doc: { relationTo: 'posts', value: String(postId) },
      user: { relationTo: 'users', value: editorId },
    } as never,
    waitUntil: new Date(Date.now() - 1000),
  })) as { id: number | string }

const LEASE_MS = 60_000

describe('a scheduled publish whose run outlives its lease', () => {
  it('is published once when a second runner claims it after the lease ran out and both runs go on', async () => {
    const post = await payload.create({
      collection: 'posts',
      data: { title: '租约过期', editorialState: 'approved' },
      overrideAccess: true,
    })
    const job = await schedule(post.id, 'publish')

    let reached!: () => void
    let open!: () => void
    const stalled = new Promise<void>((resolve) => (reached = resolve))
    stallNextUserRead = { reached, opened: new Promise<void>((resolve) => (open = resolve)) }

    const runA = runDueJobs(payload, { holder: 'runner-a', leaseMs: LEASE_MS })
    await stalled
    // B sees the world two leases later: A's lease has run out.
    const late = () => new Date(Date.now() + 2 * LEASE_MS)
    const runB = await runDueJobs(payload, { holder: 'runner-b', leaseMs: LEASE_MS, now: late })
    expect(runB.claimed).toBe(1)
    open()
    await runA
    // A's record of its failure, on the job B completed and deleted, failed: the transaction Payload
    // opened for it is rolled back, not left holding a pooled connection (PostgreSQL).
    expect(Object.keys((payload.db as unknown as { sessions?: object }).sessions ?? {})).toEqual([])

    expect(await publishedVersions(post.id)).toBe(1)
    const after = await payload.findByID({ collection: 'posts', id: post.id, depth: 0 })
    expect(after._status).toBe('published')
    // B completed the job (Payload deletes it); A's late failure left nothing behind.
    const left = await payload.count({
      collection: 'payload-jobs',
      where: { id: { equals: job.id } },
      overrideAccess: true,
    })
    expect(left.totalDocs).toBe(0)
  })

  it('writes no new version when the post is already published at its latest version', async () => {
    const post = await payload.create({
      collection: 'posts',
      data: { title: '已经发布', editorialState: 'approved', _status: 'published' },
      overrideAccess: true,
    })
    const before = await publishedVersions(post.id)
    expect(before).toBe(1)
    await schedule(post.id, 'publish')
    const run = await runDueJobs(payload, { holder: 'runner-c', leaseMs: LEASE_MS })
    expect(run).toMatchObject({ claimed: 1, failed: 0 })
    expect(await publishedVersions(post.id)).toBe(before)
  })

  it('writes nothing when the post to unpublish is not published', async () => {
    const post = await payload.create({
      collection: 'posts',
      data: { title: '从未发布', editorialState: 'approved' },
      overrideAccess: true,
    })
    const versions = async () =>
      (await payload.countVersions({ collection: 'posts', where: { parent: { equals: post.id } } }))
        .totalDocs
    const before = await versions()
    await schedule(post.id, 'unpublish')
    const run = await runDueJobs(payload, { holder: 'runner-d', leaseMs: LEASE_MS })
    expect(run).toMatchObject({ claimed: 1, failed: 0 })
    expect(await versions()).toBe(before)
  })
})
