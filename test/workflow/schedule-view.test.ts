import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'
import { createStaff, rest, seedPost, type Actor, type Staff } from './helpers'

/**
 * The visible schedule, /healthz's overdue count and GET /api/payload-jobs/run, on a server that does
 * not own the runner (`jobs: false`), so jobs stay where the test puts them until it runs them.
 */
let server: RunningServer
let staff: Record<Exclude<Actor, 'anonymous'>, Staff>
let upcomingPost: number
let overduePost: number

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  staff = await createStaff(server.payload, server.url)
  const editor = { relationTo: 'users', value: staff.editor.user.id }
  const a = await seedPost(server.payload, staff.writer.user, {
    editorialState: 'approved',
    title: '明早见报',
  })
  const b = await seedPost(server.payload, staff.writer.user, {
    editorialState: 'approved',
    title: '错过的',
  })
  upcomingPost = a.id
  overduePost = b.id
  await server.payload.jobs.queue({
    task: 'schedulePublish',
    input: {
      type: 'publish',
      doc: { relationTo: 'posts', value: String(a.id) },
      user: editor,
      timezone: 'Asia/Shanghai',
    } as never,
    waitUntil: new Date(Date.now() + 3600_000),
  })
  await server.payload.jobs.queue({
    task: 'schedulePublish',
    input: {
      type: 'publish',
      doc: { relationTo: 'posts', value: String(b.id) },
      user: editor,
    } as never,
    waitUntil: new Date(Date.now() - 5 * 60_000),
  })
})
afterAll(async () => {
  delete process.env.CRON_SECRET
  await server?.close()
})

describe('GET /api/newsroom/schedule', () => {
  it('lists upcoming and overdue publishing for staff, with title, action, time and time zone', async () => {
    const res = await rest(server.url, 'GET', '/api/newsroom/schedule', staff.writer.auth)
    expect(res.status).toBe(200)
    expect(res.body.upcoming).toEqual([
      expect.objectContaining({
        postId: upcomingPost,
        title: '明早见报',
        action: 'publish',
        timezone: 'Asia/Shanghai',
      }),
    ])
    expect(res.body.overdue).toEqual([
      expect.objectContaining({ postId: overduePost, title: '错过的', action: 'publish' }),
    ])
    expect(Date.parse(res.body.upcoming[0].waitUntil)).toBeGreaterThan(Date.now())
  })

  it('is refused to anonymous readers', async () => {
    expect((await rest(server.url, 'GET', '/api/newsroom/schedule')).status).toBe(401)
  })
})

describe('/healthz', () => {
  it('reports overdue jobs without turning unhealthy', async () => {
    const res = await rest(server.url, 'GET', '/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ ok: true, jobs: { overdue: 1 } })
  })
})

describe('a server that does not own the runner', () => {
  it('runs no jobs even when its crons tick (shouldAutoRun is false outside the owning process)', async () => {
    // Serving requests made Payload start the crons here (createPayloadRequest asks for cron: true).
    expect(server.payload.crons.length).toBeGreaterThan(0)
    await Promise.all(server.payload.crons.map((cron) => cron.trigger()))
    expect((await server.payload.findByID({ collection: 'posts', id: overduePost }))._status).toBe(
      'draft',
    )
  })
})

describe('GET /api/payload-jobs/run', () => {
  it('answers 401 to everyone but admins while CRON_SECRET is unset', async () => {
    delete process.env.CRON_SECRET
    expect((await rest(server.url, 'GET', '/api/payload-jobs/run?limit=0')).status).toBe(401)
    expect(
      (await rest(server.url, 'GET', '/api/payload-jobs/run?limit=0', 'Bearer anything')).status,
    ).toBe(401)
    expect(
      (await rest(server.url, 'GET', '/api/payload-jobs/run?limit=0', staff.editor.auth)).status,
    ).toBe(401)
  })

  it('answers 401 without the secret and runs due jobs with it', async () => {
    process.env.CRON_SECRET = 'a-long-random-cron-secret'
    expect((await rest(server.url, 'GET', '/api/payload-jobs/run')).status).toBe(401)
    expect((await rest(server.url, 'GET', '/api/payload-jobs/run', 'Bearer wrong')).status).toBe(
      401,
    )
    const res = await rest(
      server.url,
      'GET',
      '/api/payload-jobs/run',
      'Bearer a-long-random-cron-secret',
    )
    expect(res.status).toBe(200)
    expect((await server.payload.findByID({ collection: 'posts', id: overduePost }))._status).toBe(
      'published',
    )
    expect((await server.payload.findByID({ collection: 'posts', id: upcomingPost }))._status).toBe(
      'draft',
    )
    const health = await rest(server.url, 'GET', '/healthz')
    expect(health.body.jobs).toEqual({ overdue: 0 })
  })

  it('lets a logged-in admin run jobs', async () => {
    expect(
      (await rest(server.url, 'GET', '/api/payload-jobs/run?limit=0', staff.admin.auth)).status,
    ).toBe(200)
  })
})
