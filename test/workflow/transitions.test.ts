import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, errorMessage, rest, seedPost, type Actor, type Staff } from './helpers'

/** The editorial state machine through POST /api/posts/:id/transition, REST PATCH and GraphQL. */
let server: RunningServer
let staff: Record<Exclude<Actor, 'anonymous'>, Staff>

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  staff = await createStaff(server.payload, server.url)
})
afterAll(async () => {
  await server?.close()
})

const transition = (
  id: number,
  actor: Exclude<Actor, 'anonymous'> | 'anonymous',
  to: string,
  note?: string,
) =>
  rest(
    server.url,
    'POST',
    `/api/posts/${id}/transition`,
    actor === 'anonymous' ? undefined : staff[actor].auth,
    { to, note },
  )

type State = 'draft' | 'in_review' | 'changes_requested' | 'approved'

describe('POST /api/posts/:id/transition', () => {
  it.each<[Exclude<Actor, 'anonymous'>, State, string, number]>([
    // Writers submit (and resubmit) their own posts.
    ['writer', 'draft', 'in_review', 200],
    ['writer', 'changes_requested', 'in_review', 200],
    // ...and never approve, request changes or publish.
    ['writer', 'in_review', 'approved', 403],
    ['writer', 'in_review', 'changes_requested', 403],
    ['writer', 'approved', 'published', 403],
    // Editors move any post along every legal edge.
    ['editor', 'draft', 'in_review', 200],
    ['editor', 'in_review', 'approved', 200],
    ['editor', 'in_review', 'changes_requested', 200],
    ['editor', 'changes_requested', 'in_review', 200],
    ['editor', 'approved', 'published', 200],
    ['admin', 'in_review', 'approved', 200],
    // Edges the workflow does not have are illegal for everyone.
    ['editor', 'draft', 'approved', 400],
    ['editor', 'draft', 'published', 400],
    ['editor', 'in_review', 'published', 400],
    ['editor', 'approved', 'draft', 400],
    ['admin', 'changes_requested', 'approved', 400],
    ['writer', 'draft', 'changes_requested', 400],
  ])('%s: %s → %s answers %i', async (actor, from, to, expected) => {
    const owner = actor === 'writer' ? staff.writer.user : staff.otherWriter.user
    const post = await seedPost(server.payload, owner, { editorialState: from })
    const note = `note from ${actor}: ${from} → ${to}`
    const res = await transition(post.id, actor, to, note)
    expect(res.status).toBe(expected)
    const stored = await server.payload.findByID({ collection: 'posts', id: post.id, depth: 0 })
    if (expected === 200) {
      if (to === 'published') expect(stored._status).toBe('published')
      else expect(stored.editorialState).toBe(to)
      expect(stored.editorialLog?.at(-1)).toMatchObject({
        from,
        to,
        note,
        by: staff[actor].user.id,
      })
      expect(Date.now() - new Date(stored.editorialLog!.at(-1)!.at!).getTime()).toBeLessThan(60_000)
    } else {
      expect(errorMessage(res.body).length).toBeGreaterThan(20)
      expect(stored.editorialState).toBe(from)
      expect(stored._status).toBe('draft')
      expect(stored.editorialLog ?? []).toHaveLength(0)
    }
  })

  it("a writer cannot move a colleague's post, and is told why", async () => {
    const post = await seedPost(server.payload, staff.otherWriter.user)
    const res = await transition(post.id, 'writer', 'in_review')
    expect(res.status).toBe(403)
    expect(errorMessage(res.body)).toMatch(/only their own posts/)
  })

  it('names the reason of an illegal move', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const res = await transition(post.id, 'editor', 'approved')
    expect(res.status).toBe(400)
    expect(errorMessage(res.body)).toBe(
      'Illegal editorial transition "draft" → "approved": from "draft" a post can only go to "in review".',
    )
  })

  it('refuses anonymous requests, unknown targets and missing posts', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    expect((await transition(post.id, 'anonymous', 'in_review')).status).toBe(401)
    const bad = await transition(post.id, 'editor', 'archived')
    expect(bad.status).toBe(400)
    expect(errorMessage(bad.body)).toMatch(/"to" must be one of/)
    expect((await transition(999_999, 'editor', 'in_review')).status).toBe(404)
  })

  it('keeps the whole history with notes, who and when, through the full round trip', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const steps: Array<[Exclude<Actor, 'anonymous'>, string, string]> = [
      ['writer', 'in_review', '初稿完成'],
      ['editor', 'changes_requested', '请补充消息来源'],
      ['writer', 'in_review', '已补充'],
      ['editor', 'approved', '可以发'],
      ['editor', 'published', '发布'],
    ]
    for (const [actor, to, note] of steps)
      expect((await transition(post.id, actor, to, note)).status).toBe(200)
    const stored = await server.payload.findByID({ collection: 'posts', id: post.id, depth: 0 })
    expect(stored.editorialLog!.map(({ from, to, note, by }) => ({ from, to, note, by }))).toEqual([
      { from: 'draft', to: 'in_review', note: '初稿完成', by: staff.writer.user.id },
      {
        from: 'in_review',
        to: 'changes_requested',
        note: '请补充消息来源',
        by: staff.editor.user.id,
      },
      { from: 'changes_requested', to: 'in_review', note: '已补充', by: staff.writer.user.id },
      { from: 'in_review', to: 'approved', note: '可以发', by: staff.editor.user.id },
      { from: 'approved', to: 'published', note: '发布', by: staff.editor.user.id },
    ])
    expect((await rest(server.url, 'GET', `/api/posts/${post.id}`)).status).toBe(200)
  })
})

describe('the same rules on a plain update', () => {
  it('REST PATCH of editorialState obeys the workflow and logs the editorialNote', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const illegal = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, staff.editor.auth, {
      editorialState: 'approved',
    })
    expect(illegal.status).toBe(400)
    expect(illegal.body.errors[0].data.errors[0].path).toBe('editorialState')
    const submit = await rest(
      server.url,
      'PATCH',
      `/api/posts/${post.id}?depth=0`,
      staff.writer.auth,
      {
        editorialState: 'in_review',
        editorialNote: 'ready',
      },
    )
    expect(submit.status).toBe(200)
    expect(submit.body.doc.editorialLog.at(-1)).toMatchObject({
      from: 'draft',
      to: 'in_review',
      note: 'ready',
    })
    const approve = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, staff.writer.auth, {
      editorialState: 'approved',
    })
    expect(approve.status).toBe(403)
    expect(errorMessage(approve.body)).toMatch(
      /Only editors and admins may move a post to "approved"/,
    )
  })

  it('an editor may approve and publish in one save', async () => {
    const post = await seedPost(server.payload, staff.writer.user, { editorialState: 'in_review' })
    const res = await rest(
      server.url,
      'PATCH',
      `/api/posts/${post.id}?depth=0`,
      staff.editor.auth,
      {
        editorialState: 'approved',
        _status: 'published',
        editorialNote: 'ok',
      },
    )
    expect(res.status).toBe(200)
    expect(res.body.doc.editorialLog.map((e: { to: string }) => e.to)).toEqual([
      'approved',
      'published',
    ])
  })

  it('GraphQL updatePost obeys the workflow with the reason in the error', async () => {
    const mutation =
      'mutation ($id: Int!, $data: mutationPostUpdateInput!) { updatePost(id: $id, data: $data) { id editorialState editorialLog { from to note } } }'
    const post = await seedPost(server.payload, staff.writer.user)
    const illegal = await graphql(
      server.url,
      mutation,
      { id: post.id, data: { editorialState: 'approved' } },
      staff.editor.auth,
    )
    expect(errorMessage(illegal.body)).toMatch(/Illegal editorial transition "draft" → "approved"/)
    const forbidden = await graphql(
      server.url,
      mutation,
      { id: post.id, data: { editorialState: 'in_review' } },
      staff.otherWriter.auth,
    )
    expect(errorMessage(forbidden.body)).toMatch(/only their own posts/)
    const ok = await graphql(
      server.url,
      mutation,
      { id: post.id, data: { editorialState: 'in_review', editorialNote: 'via GraphQL' } },
      staff.writer.auth,
    )
    expect(ok.body.errors).toBeUndefined()
    expect(ok.body.data.updatePost.editorialLog).toEqual([
      { from: 'draft', to: 'in_review', note: 'via GraphQL' },
    ])
  })

  it('the editorial log cannot be written directly', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const res = await rest(
      server.url,
      'PATCH',
      `/api/posts/${post.id}?depth=0`,
      staff.editor.auth,
      {
        editorialLog: [{ from: 'draft', to: 'approved', note: 'forged' }],
      },
    )
    expect(res.status).toBe(200)
    expect(res.body.doc.editorialLog).toEqual([])
  })

  it('the admin list can filter by state', async () => {
    const post = await seedPost(server.payload, staff.writer.user, {
      editorialState: 'changes_requested',
    })
    const res = await rest(
      server.url,
      'GET',
      '/api/posts?where[editorialState][equals]=changes_requested&limit=100',
      staff.editor.auth,
    )
    expect(res.body.docs.map((d: { id: number }) => d.id)).toContain(post.id)
    expect(
      res.body.docs.every(
        (d: { editorialState: string }) => d.editorialState === 'changes_requested',
      ),
    ).toBe(true)
  })
})
