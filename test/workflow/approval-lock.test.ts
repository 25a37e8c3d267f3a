import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { Post } from '../../src/payload-types'
import type { RunningServer } from '../../src/server'
import { paragraphs } from '../helpers/lexical'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, errorMessage, rest, type Actor, type Staff } from './helpers'

/**
 * Approval locks the content (issue 11, item 7): what an editor approved is what gets published.
 * A non-editor's change to an approved post sends it back to review, over every door; a scheduled
 * publish of a post whose content is not the approved content does not publish, and says why.
 */
let server: RunningServer
let staff: Record<Exclude<Actor, 'anonymous'>, Staff>

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  staff = await createStaff(server.payload, server.url)
})
afterAll(async () => {
  await server?.close()
})

const latest = (id: number) =>
  server.payload.findByID({ collection: 'posts', id, draft: true, depth: 0 }) as Promise<Post>

/** A writer's post, submitted over REST and approved by the editor over REST. */
const approvedPost = async (title = 'approved text'): Promise<number> => {
  const created = await rest(server.url, 'POST', '/api/posts', staff.writer.auth, {
    title,
    content: paragraphs('what the editor read'),
  })
  expect(created.status).toBe(201)
  const id = created.body.doc.id as number
  for (const [who, to] of [
    ['writer', 'in_review'],
    ['editor', 'approved'],
  ] as const) {
    const moved = await rest(server.url, 'POST', `/api/posts/${id}/transition`, staff[who].auth, {
      to,
    })
    expect(moved.status).toBe(200)
  }
  expect((await latest(id)).approvedFingerprint).toMatch(/^[0-9a-f]{64}$/)
  return id
}

/** Queues a publish due a second ago as the editor, over REST. */
const schedulePublishNow = async (id: number) => {
  const queued = await rest(server.url, 'POST', '/api/payload-jobs', staff.editor.auth, {
    taskSlug: 'schedulePublish',
    input: { type: 'publish', doc: { relationTo: 'posts', value: id } },
    waitUntil: new Date(Date.now() - 1000).toISOString(),
  })
  expect(queued.status).toBe(201)
  return queued.body.doc.id as number
}
const runJob = async (jobId: number) => {
  await server.payload.jobs.runByID({ id: jobId })
  return server.payload.findByID({ collection: 'payload-jobs', id: jobId, depth: 0 })
}

const expectBackInReview = async (id: number, by: number | null) => {
  const post = await latest(id)
  expect(post.editorialState).toBe('in_review')
  expect(post.approvedFingerprint ?? null).toBeNull()
  expect(post.editorialLog?.at(-1)).toMatchObject({ from: 'approved', to: 'in_review', by })
  return post
}

describe('a non-editor changing an approved post sends it back to review', () => {
  it('a writer PATCHing an approved post over REST: kept, back in review, logged', async () => {
    const id = await approvedPost()
    const res = await rest(server.url, 'PATCH', `/api/posts/${id}`, staff.writer.auth, {
      title: 'changed after approval',
    })
    expect(res.status).toBe(200)
    const post = await expectBackInReview(id, staff.writer.user.id)
    expect(post.title).toBe('changed after approval')
  })

  it("a writer's autosave of an approved post", async () => {
    const id = await approvedPost()
    const res = await rest(
      server.url,
      'PATCH',
      `/api/posts/${id}?draft=true&autosave=true`,
      staff.writer.auth,
      { content: paragraphs('autosaved after approval') },
    )
    expect(res.status).toBe(200)
    await expectBackInReview(id, staff.writer.user.id)
  })

  it('a writer updating an approved post over GraphQL', async () => {
    const id = await approvedPost()
    const res = await graphql(
      server.url,
      'mutation ($id: Int!) { updatePost(id: $id, data: { excerpt: "new excerpt" }) { id } }',
      { id },
      staff.writer.auth,
    )
    expect(res.body.errors).toBeUndefined()
    await expectBackInReview(id, staff.writer.user.id)
  })

  it('server code (no user) changing an approved post through the Local API', async () => {
    const id = await approvedPost()
    await server.payload.update({ collection: 'posts', id, data: { title: 're-imported' } })
    await expectBackInReview(id, null)
  })

  it('an editor changing an approved post keeps it approved, and re-approves what they wrote', async () => {
    const id = await approvedPost()
    const before = (await latest(id)).approvedFingerprint
    const res = await rest(server.url, 'PATCH', `/api/posts/${id}`, staff.editor.auth, {
      title: 'edited by the desk',
    })
    expect(res.status).toBe(200)
    const post = await latest(id)
    expect(post.editorialState).toBe('approved')
    expect(post.approvedFingerprint).not.toBe(before)
    const jobId = await schedulePublishNow(id)
    await server.payload.jobs.runByID({ id: jobId })
    const published = await server.payload.findByID({ collection: 'posts', id, depth: 0 })
    expect(published).toMatchObject({ _status: 'published', title: 'edited by the desk' })
  })

  it('a save that changes nothing leaves the approval as it was', async () => {
    const id = await approvedPost()
    const stored = await latest(id)
    const res = await rest(server.url, 'PATCH', `/api/posts/${id}`, staff.writer.auth, {
      title: stored.title,
      content: stored.content,
    })
    expect(res.status).toBe(200)
    expect((await latest(id)).editorialState).toBe('approved')
  })
})

describe('a scheduled publish publishes only what an editor approved', () => {
  it('does not publish a post a writer changed after it was scheduled; the job and the schedule say why', async () => {
    const id = await approvedPost()
    const jobId = await schedulePublishNow(id)
    expect(
      (await rest(server.url, 'PATCH', `/api/posts/${id}`, staff.writer.auth, { title: 'unseen' }))
        .status,
    ).toBe(200)
    const job = await runJob(jobId)
    expect(job.hasError).toBe(true)
    expect(JSON.stringify(job.error)).toMatch(
      /must be approved by an editor before it is published/,
    )
    const post = await server.payload.findByID({ collection: 'posts', id, draft: true, depth: 0 })
    expect(post._status).toBe('draft')
    // Readers never see it.
    expect((await rest(server.url, 'GET', `/api/posts/${id}`)).status).toBe(404)
    // Editors see the refused job and why, at once.
    const schedule = await rest(server.url, 'GET', '/api/newsroom/schedule', staff.editor.auth)
    expect(schedule.status).toBe(200)
    const entry = schedule.body.overdue.find((e: { jobId: number }) => e.jobId === jobId)
    expect(entry?.error).toMatch(/must be approved by an editor/)
  })

  it('does not publish an approved post whose content was changed around the hooks (straight into the database)', async () => {
    const id = await approvedPost()
    const jobId = await schedulePublishNow(id)
    // What a bulk write or a hand edit of the database does: no hook sees it, the approval stays.
    const { docs } = await server.payload.db.findVersions({
      collection: 'posts',
      where: { and: [{ parent: { equals: id } }, { latest: { equals: true } }] },
      limit: 1,
    })
    const version = docs[0]!
    await server.payload.db.updateVersion({
      collection: 'posts',
      id: version.id,
      versionData: { ...version, version: { ...version.version, title: 'slipped in' } } as never,
    })
    await server.payload.db.updateOne({ collection: 'posts', id, data: { title: 'slipped in' } })
    expect(await latest(id)).toMatchObject({ editorialState: 'approved', title: 'slipped in' })
    const job = await runJob(jobId)
    expect(job.hasError).toBe(true)
    expect(JSON.stringify(job.error)).toMatch(/changed after an editor approved it/)
    expect((await server.payload.findByID({ collection: 'posts', id, depth: 0 }))._status).toBe(
      'draft',
    )
    // The way out: an editor reopens the review and approves again.
    for (const to of ['in_review', 'approved', 'published'] as const) {
      const moved = await rest(
        server.url,
        'POST',
        `/api/posts/${id}/transition`,
        staff.editor.auth,
        {
          to,
        },
      )
      expect(moved.status).toBe(200)
    }
  })

  it('a writer cannot reopen or skip the review themselves', async () => {
    const id = await approvedPost()
    const res = await rest(server.url, 'POST', `/api/posts/${id}/transition`, staff.writer.auth, {
      to: 'in_review',
    })
    expect(res.status).toBe(403)
    expect(errorMessage(res.body)).toMatch(/Only editors and admins/)
  })
})
