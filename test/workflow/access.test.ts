import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, errorMessage, rest, seedPost, type Actor, type Staff } from './helpers'

/**
 * The access matrix of issue 4, through the real HTTP server: every role and anonymous, on their own
 * and on others' posts, over REST and GraphQL.
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

const auth = (actor: Actor) => (actor === 'anonymous' ? undefined : staff[actor].auth)
const userOf = (actor: Actor) => (actor === 'anonymous' ? undefined : staff[actor].user)
/** Whose post a row acts on: the actor's own, or the (first) writer's when acting on someone else's. */
const ownerFor = (actor: Actor, whose: 'own' | 'others') =>
  whose === 'own' ? userOf(actor) : actor === 'writer' ? staff.otherWriter.user : staff.writer.user

const idOf = (value: unknown) =>
  value && typeof value === 'object' ? (value as { id: unknown }).id : value
const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString()

type Row = [Actor, 'own' | 'others', number]

describe('REST', () => {
  describe('create', () => {
    it.each<[Actor, number]>([
      ['anonymous', 401],
      ['writer', 201],
      ['editor', 201],
      ['admin', 201],
    ])('%s creating a draft post → %i', async (actor, expected) => {
      const res = await rest(server.url, 'POST', '/api/posts', auth(actor), {
        title: `by ${actor}`,
      })
      expect(res.status).toBe(expected)
      if (expected === 201) expect(idOf(res.body.doc.createdBy)).toBe(userOf(actor)!.id)
    })

    // Publishing is the step after approval, for editors too: a new post cannot be born published.
    it.each<[Actor, number, RegExp]>([
      ['writer', 403, /Only editors and admins may publish/],
      ['editor', 400, /must be approved by an editor before it is published/],
      ['admin', 400, /must be approved by an editor before it is published/],
    ])('%s creating a post already published → %i', async (actor, expected, reason) => {
      const res = await rest(server.url, 'POST', '/api/posts', auth(actor), {
        title: 'straight out',
        _status: 'published',
      })
      expect(res.status).toBe(expected)
      expect(errorMessage(res.body)).toMatch(reason)
    })

    it('a writer cannot make a post look like someone else’s (createdBy is stamped, not taken)', async () => {
      const res = await rest(server.url, 'POST', '/api/posts', auth('writer'), {
        title: 'impostor',
        createdBy: staff.otherWriter.user.id,
      })
      expect(res.status).toBe(201)
      expect(idOf(res.body.doc.createdBy)).toBe(staff.writer.user.id)
    })
  })

  describe('read', () => {
    it.each<[Actor, number]>([
      ['anonymous', 404],
      ['writer', 200],
      ['otherWriter', 200],
      ['editor', 200],
      ['admin', 200],
    ])("%s reading a writer's draft → %i", async (actor, expected) => {
      const draft = await seedPost(server.payload, staff.writer.user)
      expect((await rest(server.url, 'GET', `/api/posts/${draft.id}`, auth(actor))).status).toBe(
        expected,
      )
    })

    it.each<Actor>(['anonymous', 'writer', 'editor'])(
      '%s reads a published, due post',
      async (actor) => {
        const live = await seedPost(server.payload, staff.writer.user, {
          _status: 'published',
          editorialState: 'approved',
        })
        expect((await rest(server.url, 'GET', `/api/posts/${live.id}`, auth(actor))).status).toBe(
          200,
        )
      },
    )
  })

  describe('update', () => {
    it.each<Row>([
      ['anonymous', 'others', 401],
      ['writer', 'own', 200],
      ['writer', 'others', 403],
      ['editor', 'own', 200],
      ['editor', 'others', 200],
      ['admin', 'others', 200],
    ])('%s editing %s unpublished post → %i', async (actor, whose, expected) => {
      const post = await seedPost(server.payload, ownerFor(actor, whose))
      const res = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, auth(actor), {
        excerpt: 'edited',
      })
      expect(res.status).toBe(expected)
      if (expected === 403) expect(errorMessage(res.body)).toMatch(/only their own posts/)
      const stored = await server.payload.findByID({
        collection: 'posts',
        id: post.id,
        draft: true,
      })
      expect(stored.excerpt === 'edited').toBe(expected === 200)
    })

    it.each<Row>([
      ['writer', 'own', 403],
      ['editor', 'others', 200],
    ])('%s editing %s published post → %i', async (actor, whose, expected) => {
      const post = await seedPost(server.payload, ownerFor(actor, whose), {
        _status: 'published',
        editorialState: 'approved',
      })
      const res = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, auth(actor), {
        excerpt: 'edited',
      })
      expect(res.status).toBe(expected)
      if (expected === 403) expect(errorMessage(res.body)).toMatch(/cannot edit a published post/)
    })
  })

  describe('delete', () => {
    it.each<Row>([
      ['anonymous', 'others', 401],
      ['writer', 'own', 403],
      ['writer', 'others', 403],
      ['editor', 'others', 200],
      ['admin', 'others', 200],
    ])('%s deleting %s post → %i', async (actor, whose, expected) => {
      const post = await seedPost(server.payload, ownerFor(actor, whose))
      const res = await rest(server.url, 'DELETE', `/api/posts/${post.id}`, auth(actor))
      expect(res.status).toBe(expected)
      const left = await server.payload.count({
        collection: 'posts',
        where: { id: { equals: post.id } },
      })
      expect(left.totalDocs).toBe(expected === 200 ? 0 : 1)
    })
  })

  describe('publish', () => {
    it.each<Row>([
      ['anonymous', 'others', 401],
      ['writer', 'own', 403],
      ['writer', 'others', 403],
      ['editor', 'others', 200],
      ['admin', 'others', 200],
    ])('%s publishing %s approved post → %i', async (actor, whose, expected) => {
      const post = await seedPost(server.payload, ownerFor(actor, whose), {
        editorialState: 'approved',
      })
      const res = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, auth(actor), {
        _status: 'published',
      })
      expect(res.status).toBe(expected)
      const stored = await server.payload.findByID({ collection: 'posts', id: post.id })
      expect(stored._status).toBe(expected === 200 ? 'published' : 'draft')
    })

    it.each<Actor>(['editor', 'admin'])(
      '%s unpublishes any post, and the unpublishing is logged',
      async (actor) => {
        const post = await seedPost(server.payload, staff.writer.user, {
          _status: 'published',
          editorialState: 'approved',
        })
        const res = await rest(server.url, 'PATCH', `/api/posts/${post.id}?depth=0`, auth(actor), {
          _status: 'draft',
        })
        expect(res.status).toBe(200)
        expect(res.body.doc._status).toBe('draft')
        expect(res.body.doc.editorialLog.at(-1)).toMatchObject({
          from: 'published',
          to: 'unpublished',
          by: userOf(actor)!.id,
        })
        expect((await rest(server.url, 'GET', `/api/posts/${post.id}`)).status).toBe(404)
      },
    )
  })

  describe('schedule (POST /api/payload-jobs, the schedulePublish task)', () => {
    it.each<Row>([
      ['anonymous', 'others', 401],
      ['writer', 'own', 403],
      ['writer', 'others', 403],
      ['editor', 'others', 201],
      ['admin', 'others', 201],
    ])('%s scheduling %s approved post → %i', async (actor, whose, expected) => {
      const post = await seedPost(server.payload, ownerFor(actor, whose), {
        editorialState: 'approved',
      })
      const res = await rest(server.url, 'POST', '/api/payload-jobs', auth(actor), {
        taskSlug: 'schedulePublish',
        input: {
          type: 'publish',
          doc: { relationTo: 'posts', value: post.id },
          timezone: 'Asia/Shanghai',
        },
        waitUntil: inAWeek(),
      })
      expect(res.status).toBe(expected)
      if (actor === 'writer')
        expect(errorMessage(res.body)).toMatch(/Only editors and admins may schedule/)
      const jobs = await server.payload.find({
        collection: 'payload-jobs',
        where: { 'input.doc.value': { equals: String(post.id) } },
      })
      expect(jobs.totalDocs).toBe(expected === 201 ? 1 : 0)
      // The job always runs as whoever scheduled it, whatever the request claimed.
      if (expected === 201)
        expect(jobs.docs[0].input).toMatchObject({
          user: { relationTo: 'users', value: userOf(actor)!.id },
        })
    })

    it('an editor cannot schedule publishing of a post that is not approved (400, reason given)', async () => {
      const post = await seedPost(server.payload, staff.writer.user, {
        editorialState: 'in_review',
      })
      const res = await rest(server.url, 'POST', '/api/payload-jobs', auth('editor'), {
        taskSlug: 'schedulePublish',
        input: { type: 'publish', doc: { relationTo: 'posts', value: post.id } },
        waitUntil: inAWeek(),
      })
      expect(res.status).toBe(400)
      expect(errorMessage(res.body)).toMatch(/Only an approved post can be scheduled/)
    })

    it('an editor cannot queue other kinds of jobs over the API', async () => {
      const res = await rest(server.url, 'POST', '/api/payload-jobs', auth('editor'), {
        taskSlug: 'inline',
        input: {},
      })
      expect(res.status).toBe(403)
    })

    it('a publish a writer queued on the admin drawer path is refused when it runs (it publishes as that writer)', async () => {
      const post = await seedPost(server.payload, staff.writer.user, { editorialState: 'approved' })
      // What the schedule drawer's server function does: queue with the user in the input.
      const job = await server.payload.jobs.queue({
        task: 'schedulePublish',
        input: {
          type: 'publish',
          doc: { relationTo: 'posts', value: String(post.id) },
          user: { relationTo: 'users', value: staff.writer.user.id },
        } as never,
        waitUntil: new Date(Date.now() - 1000),
      })
      await server.payload.jobs.runByID({ id: job.id })
      const ran = await server.payload.findByID({
        collection: 'payload-jobs',
        id: job.id,
        depth: 0,
      })
      expect(ran.hasError).toBe(true)
      expect(JSON.stringify(ran.log)).toMatch(/Only editors and admins may publish/)
      expect((await server.payload.findByID({ collection: 'posts', id: post.id }))._status).toBe(
        'draft',
      )
    })

    it('writers and anonymous readers cannot see the job queue; editors see the schedule', async () => {
      expect((await rest(server.url, 'GET', '/api/payload-jobs', auth('anonymous'))).status).toBe(
        403,
      )
      expect((await rest(server.url, 'GET', '/api/payload-jobs', auth('writer'))).status).toBe(403)
      expect((await rest(server.url, 'GET', '/api/payload-jobs', auth('editor'))).status).toBe(200)
    })
  })
})

describe('GraphQL', () => {
  const createPost =
    'mutation ($title: String!, $status: Post__status_MutationInput) { createPost(data: { title: $title, _status: $status }) { id createdBy { id } } }'
  const updatePost =
    'mutation ($id: Int!, $data: mutationPostUpdateInput!) { updatePost(id: $id, data: $data) { id excerpt _status } }'
  const deletePost = 'mutation ($id: Int!) { deletePost(id: $id) { id } }'
  const readPost = 'query ($id: Int!) { Post(id: $id, draft: true) { id title } }'

  const ok = (body: { data?: any; errors?: any[] }, key: string) =>
    !body.errors && body.data?.[key] != null

  it.each<[Actor, boolean]>([
    ['anonymous', false],
    ['writer', true],
    ['editor', true],
  ])('%s creating a draft post: allowed=%s', async (actor, allowed) => {
    const { body } = await graphql(server.url, createPost, { title: `gql ${actor}` }, auth(actor))
    expect(ok(body, 'createPost')).toBe(allowed)
  })

  it.each<[Actor, RegExp]>([
    ['writer', /Only editors and admins may publish/],
    ['editor', /must be approved by an editor before it is published/],
  ])('%s creating a post already published is refused with the reason', async (actor, reason) => {
    const { body } = await graphql(
      server.url,
      createPost,
      { title: 'gql live', status: 'published' },
      auth(actor),
    )
    expect(ok(body, 'createPost')).toBe(false)
    expect(errorMessage(body)).toMatch(reason)
  })

  it.each<[Actor, boolean]>([
    ['anonymous', false],
    ['otherWriter', true],
    ['editor', true],
  ])("%s reading a writer's draft: allowed=%s", async (actor, allowed) => {
    const draft = await seedPost(server.payload, staff.writer.user)
    const { body } = await graphql(server.url, readPost, { id: draft.id }, auth(actor))
    expect(body.data?.Post?.id === draft.id).toBe(allowed)
  })

  it.each<[Actor, 'own' | 'others', boolean]>([
    ['anonymous', 'others', false],
    ['writer', 'own', true],
    ['writer', 'others', false],
    ['editor', 'others', true],
  ])('%s updating %s unpublished post: allowed=%s', async (actor, whose, allowed) => {
    const post = await seedPost(server.payload, ownerFor(actor, whose))
    const { body } = await graphql(
      server.url,
      updatePost,
      { id: post.id, data: { excerpt: 'via gql' } },
      auth(actor),
    )
    expect(ok(body, 'updatePost')).toBe(allowed)
    if (actor === 'writer' && !allowed) expect(errorMessage(body)).toMatch(/only their own posts/)
  })

  it.each<[Actor, 'own' | 'others', boolean]>([
    ['writer', 'own', false],
    ['editor', 'others', true],
  ])('%s publishing %s approved post: allowed=%s', async (actor, whose, allowed) => {
    const post = await seedPost(server.payload, ownerFor(actor, whose), {
      editorialState: 'approved',
    })
    const { body } = await graphql(
      server.url,
      updatePost,
      { id: post.id, data: { _status: 'published' } },
      auth(actor),
    )
    expect(ok(body, 'updatePost')).toBe(allowed)
    const stored = await server.payload.findByID({ collection: 'posts', id: post.id })
    expect(stored._status).toBe(allowed ? 'published' : 'draft')
  })

  it.each<[Actor, 'own' | 'others', boolean]>([
    ['anonymous', 'others', false],
    ['writer', 'own', false],
    ['editor', 'others', true],
  ])('%s deleting %s post: allowed=%s', async (actor, whose, allowed) => {
    const post = await seedPost(server.payload, ownerFor(actor, whose))
    const { body } = await graphql(server.url, deletePost, { id: post.id }, auth(actor))
    expect(ok(body, 'deletePost')).toBe(allowed)
  })

  it.each<[Actor, 'own' | 'others', boolean]>([
    ['anonymous', 'others', false],
    ['writer', 'own', false],
    ['editor', 'others', true],
  ])('%s scheduling %s approved post: allowed=%s', async (actor, whose, allowed) => {
    const post = await seedPost(server.payload, ownerFor(actor, whose), {
      editorialState: 'approved',
    })
    const { body } = await graphql(
      server.url,
      'mutation ($data: mutationPayloadJobInput!) { createPayloadJob(data: $data) { id } }',
      {
        data: {
          taskSlug: 'schedulePublish',
          input: { type: 'publish', doc: { relationTo: 'posts', value: post.id } },
          waitUntil: inAWeek(),
        },
      },
      auth(actor),
    )
    expect(ok(body, 'createPayloadJob')).toBe(allowed)
  })
})

describe('Local API with overrideAccess: false', () => {
  it('a writer cannot publish, and cannot edit a colleague’s post', async () => {
    const own = await seedPost(server.payload, staff.writer.user, { editorialState: 'approved' })
    const others = await seedPost(server.payload, staff.otherWriter.user)
    const user = staff.writer.user
    await expect(
      server.payload.update({
        collection: 'posts',
        id: own.id,
        data: { _status: 'published' },
        overrideAccess: false,
        user,
      }),
    ).rejects.toMatchObject({ status: 403 })
    await expect(
      server.payload.update({
        collection: 'posts',
        id: others.id,
        data: { excerpt: 'x' },
        overrideAccess: false,
        user,
      }),
    ).rejects.toMatchObject({ status: 403 })
  })

  it('anonymous readers see only published, due posts', async () => {
    const draft = await seedPost(server.payload, staff.writer.user)
    const live = await seedPost(server.payload, staff.writer.user, {
      _status: 'published',
      editorialState: 'approved',
    })
    const { docs } = await server.payload.find({
      collection: 'posts',
      overrideAccess: false,
      limit: 500,
      draft: true,
    })
    const ids = docs.map((d) => d.id)
    expect(ids).toContain(live.id)
    expect(ids).not.toContain(draft.id)
  })
})
