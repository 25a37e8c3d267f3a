import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, rest, seedPost, type Actor, type Staff } from './helpers'
import { scaled } from '../helpers/timing'

/**
 * Scheduled publishing run by the server itself: after scheduling, the test sends the server no
 * request at all until the job has run; it watches the database through the Local API. The runner
 * ticks on its default cron (every 10 s), so a job runs 0-10 s after its time; the lateness measured
 * is printed.
 */
let server: RunningServer
let staff: Record<Exclude<Actor, 'anonymous'>, Staff>

beforeAll(async () => {
  // The delivery cache stays on, as deployed: it must show an embargoed post at its time and a
  // scheduled job's change at once (src/delivery/freshness.ts).
  server = await startTestServer()
  staff = await createStaff(server.payload, server.url)
})
afterAll(async () => {
  await server?.close()
})

/** Polls `check` every 250 ms until it returns a value, for at most `ms`. */
const waitFor = async <T>(check: () => Promise<T | undefined>, ms = 40_000): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not done within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

const statusOf = async (id: number) =>
  await server.payload.findByID({ collection: 'posts', id, depth: 0 })

describe('scheduled publishing with nobody watching', () => {
  it('publishes a post scheduled 2 s ahead, and unpublishes one scheduled for unpublishing, with no request to the server', async () => {
    const toPublish = await seedPost(server.payload, staff.writer.user, {
      editorialState: 'approved',
      title: '定时发布',
    })
    const toUnpublish = await seedPost(server.payload, staff.writer.user, {
      editorialState: 'approved',
      _status: 'published',
      publishedAt: new Date(Date.now() - 3600_000).toISOString(),
      title: '定时撤下',
    })
    expect((await rest(server.url, 'GET', `/api/posts/${toUnpublish.id}`)).status).toBe(200)

    const at = new Date(Date.now() + 2000)
    // Exactly what the admin's schedule drawer does (its server function queues with the user in the input).
    await server.payload.jobs.queue({
      task: 'schedulePublish',
      input: {
        type: 'publish',
        doc: { relationTo: 'posts', value: String(toPublish.id) },
        user: { relationTo: 'users', value: staff.editor.user.id },
        timezone: 'Europe/Paris',
      } as never,
      waitUntil: at,
    })
    // And the same over REST, as an editor.
    const viaRest = await rest(server.url, 'POST', '/api/payload-jobs', staff.editor.auth, {
      taskSlug: 'schedulePublish',
      input: {
        type: 'unpublish',
        doc: { relationTo: 'posts', value: toUnpublish.id },
        timezone: 'Asia/Shanghai',
      },
      waitUntil: at.toISOString(),
    })
    expect(viaRest.status).toBe(201)

    // From here on: no HTTP request until both jobs have run.
    const [published, unpublished] = await Promise.all([
      waitFor(async () => {
        const post = await statusOf(toPublish.id)
        return post._status === 'published' ? { post, seenAt: Date.now() } : undefined
      }),
      waitFor(async () => {
        const post = await statusOf(toUnpublish.id)
        return post._status === 'draft' ? { post, seenAt: Date.now() } : undefined
      }),
    ])
    const late = (iso: string) => (new Date(iso).getTime() - at.getTime()) / 1000
    console.info(
      `scheduled publish ran ${late(published.post.updatedAt).toFixed(1)} s after its time ` +
        `(seen ${((published.seenAt - at.getTime()) / 1000).toFixed(1)} s after); scheduled unpublish ran ` +
        `${late(unpublished.post.updatedAt).toFixed(1)} s after its time (cron every 10 s)`,
    )
    expect(late(published.post.updatedAt)).toBeGreaterThanOrEqual(0)
    // The cron's 10 s, plus a run's time, which scales with the machine's load.
    expect(late(published.post.updatedAt)).toBeLessThan(10 + scaled(5_000) / 1000)
    expect(late(unpublished.post.updatedAt)).toBeLessThan(10 + scaled(5_000) / 1000)
    // Published as the editor who scheduled it, through the workflow.
    expect(published.post.editorialLog?.at(-1)).toMatchObject({
      from: 'approved',
      to: 'published',
      by: staff.editor.user.id,
    })
    expect(unpublished.post.editorialLog?.at(-1)).toMatchObject({
      from: 'published',
      to: 'unpublished',
      by: staff.editor.user.id,
    })

    // Readers see the first and no longer the second.
    expect((await rest(server.url, 'GET', `/api/posts/${toPublish.id}`)).status).toBe(200)
    expect((await rest(server.url, 'GET', `/api/posts/${toUnpublish.id}`)).status).toBe(404)
    const list = await rest(server.url, 'GET', '/api/posts?limit=100')
    expect(list.body.docs.map((d: { id: number }) => d.id)).not.toContain(toUnpublish.id)
  })
})

describe('embargo', () => {
  it('a published post with a future publishedAt appears to readers exactly when due, over REST and GraphQL', async () => {
    const due = new Date(Date.now() + 2500)
    const post = await seedPost(server.payload, staff.writer.user, {
      editorialState: 'approved',
      _status: 'published',
      publishedAt: due.toISOString(),
      title: '禁发到点可见',
    })
    const visibleRest = async () =>
      (await rest(server.url, 'GET', `/api/posts/${post.id}`)).status === 200
    const visibleGraphql = async () => {
      const { body } = await graphql(server.url, 'query ($id: Int!) { Post(id: $id) { id } }', {
        id: post.id,
      })
      return body.data?.Post?.id === post.id
    }
    const listed = async () => {
      const res = await rest(server.url, 'GET', '/api/posts?limit=100')
      return res.body.docs.some((d: { id: number }) => d.id === post.id)
    }
    // Under embargo: invisible everywhere.
    expect(await visibleRest()).toBe(false)
    expect(await visibleGraphql()).toBe(false)
    expect(await listed()).toBe(false)
    expect(Date.now()).toBeLessThan(due.getTime())

    const firstSeen = await waitFor(async () => {
      const before = Date.now()
      if (!(await visibleRest())) {
        // Never visible early, and not invisible long after it was due.
        expect(before).toBeLessThan(due.getTime() + 1000)
        return undefined
      }
      return before
    }, 10_000)
    expect(firstSeen).toBeGreaterThanOrEqual(due.getTime() - 50)
    expect(await visibleGraphql()).toBe(true)
    expect(await listed()).toBe(true)
    console.info(
      `embargoed post first seen ${((firstSeen - due.getTime()) / 1000).toFixed(2)} s after publishedAt`,
    )
  })
})
