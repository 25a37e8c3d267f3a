import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, errorMessage, rest, seedPost, type Actor, type Staff } from './helpers'

/**
 * Who may change media and read user accounts (issue 11, items 8 and 12), through the real server.
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

let n = 0
/** A media doc added over REST by `actor` (an external image: no file needed). */
const addMedia = async (actor: Exclude<Actor, 'anonymous'>) => {
  const res = await rest(server.url, 'POST', '/api/media', staff[actor].auth, {
    alt: `image ${++n}`,
    externalUrl: `https://images.example/${n}.jpg`,
  })
  expect(res.status).toBe(201)
  return res.body.doc as { id: number; url: string; createdBy: unknown }
}

/** A Lexical document showing one media doc as an upload node. */
const showing = (mediaId: number) => ({
  root: {
    type: 'root',
    version: 1,
    direction: null,
    format: '',
    indent: 0,
    children: [
      {
        type: 'upload',
        version: 3,
        format: '',
        id: `u${mediaId}`,
        relationTo: 'media',
        value: mediaId,
        fields: {},
      },
    ],
  },
})

describe('media', () => {
  it('a writer adds media, stamped as theirs, and changes it while nothing shows it', async () => {
    const media = await addMedia('writer')
    expect(media.createdBy).toMatchObject({ id: staff.writer.user.id })
    const res = await rest(server.url, 'PATCH', `/api/media/${media.id}`, staff.writer.auth, {
      alt: 'better alt text',
    })
    expect(res.status).toBe(200)
  })

  it("a writer cannot change or delete a colleague's media", async () => {
    const media = await addMedia('otherWriter')
    const patch = await rest(server.url, 'PATCH', `/api/media/${media.id}`, staff.writer.auth, {
      externalUrl: 'https://evil.example/x.jpg',
    })
    expect(patch.status).toBe(403)
    expect(
      (await rest(server.url, 'DELETE', `/api/media/${media.id}`, staff.writer.auth)).status,
    ).toBe(403)
    const gql = await graphql(
      server.url,
      'mutation ($id: Int!) { updateMedia(id: $id, data: { alt: "x" }) { id } }',
      { id: media.id },
      staff.writer.auth,
    )
    expect(gql.body.errors?.[0]?.message).toBeTruthy()
    const stored = await server.payload.findByID({ collection: 'media', id: media.id })
    expect(stored.externalUrl).toBe(`https://images.example/${n}.jpg`)
  })

  it.each([
    ['a hero image', (id: number) => ({ heroImage: id })],
    ['an image in the content', (id: number) => ({ content: showing(id) as never })],
  ])(
    'a writer cannot change their own media once a published post shows it as %s; an editor can',
    async (_case, uses) => {
      const media = await addMedia('writer')
      const post = await seedPost(server.payload, staff.writer.user, {
        _status: 'published',
        editorialState: 'approved',
        title: '已发布的文章',
        ...uses(media.id),
      } as never)
      const refused = await rest(server.url, 'PATCH', `/api/media/${media.id}`, staff.writer.auth, {
        externalUrl: 'https://images.example/replaced.jpg',
      })
      expect(refused.status).toBe(403)
      expect(errorMessage(refused.body)).toContain(`post "已发布的文章" (id ${post.id})`)
      expect(errorMessage(refused.body)).toMatch(/only editors and admins may change it/)
      const byEditor = await rest(
        server.url,
        'PATCH',
        `/api/media/${media.id}`,
        staff.editor.auth,
        {
          alt: 'desk edit',
        },
      )
      expect(byEditor.status).toBe(200)
    },
  )

  it('nobody deletes media a post uses, draft or published; the refusal names the posts', async () => {
    const media = await addMedia('writer')
    const draft = await seedPost(server.payload, staff.writer.user, {
      title: '草稿',
      heroImage: media.id,
    } as never)
    for (const actor of ['writer', 'editor', 'admin'] as const) {
      const res = await rest(server.url, 'DELETE', `/api/media/${media.id}`, staff[actor].auth)
      expect(res.status).toBe(409)
      expect(errorMessage(res.body)).toContain(`post "草稿" (id ${draft.id})`)
    }
    const gql = await graphql(
      server.url,
      'mutation ($id: Int!) { deleteMedia(id: $id) { id } }',
      { id: media.id },
      staff.editor.auth,
    )
    expect(gql.body.errors?.[0]?.message).toMatch(/still used by post "草稿"/)
    expect(await server.payload.findByID({ collection: 'media', id: media.id })).toMatchObject({
      id: media.id,
    })
  })

  it('a writer deletes their own unused media', async () => {
    const media = await addMedia('writer')
    expect(
      (await rest(server.url, 'DELETE', `/api/media/${media.id}`, staff.writer.auth)).status,
    ).toBe(200)
  })

  it.each([
    'java\tscript:alert(document.domain)',
    '\u0001javascript:alert(1)',
    'data:image/svg+xml,<svg onload=alert(1)>',
    '/relative.jpg',
  ])('externalUrl %j is refused with the field path', async (externalUrl) => {
    const res = await rest(server.url, 'POST', '/api/media', staff.writer.auth, { externalUrl })
    expect(res.status).toBe(400)
    expect(res.body.errors[0].data.errors[0]).toMatchObject({ path: 'externalUrl' })
  })
})

describe('user accounts', () => {
  type UserRow = { id: number; email?: string; roles?: string[]; name?: string }
  const list = async (actor: Exclude<Actor, 'anonymous'>) =>
    (await rest(server.url, 'GET', '/api/users?limit=100', staff[actor].auth)).body
      .docs as UserRow[]

  it("a writer sees colleagues' names but not their email addresses or roles; their own in full", async () => {
    const rows = await list('writer')
    expect(rows.length).toBeGreaterThanOrEqual(4)
    for (const row of rows) {
      if (row.id === staff.writer.user.id) {
        expect(row).toMatchObject({ email: staff.writer.user.email, roles: ['writer'] })
      } else {
        expect(row.email).toBeUndefined()
        expect(row.roles).toBeUndefined()
        expect(row.name).toBeTruthy()
      }
    }
  })

  it('a writer cannot find a colleague by email address', async () => {
    const res = await rest(
      server.url,
      'GET',
      `/api/users?where[email][equals]=${encodeURIComponent(staff.editor.user.email)}`,
      staff.writer.auth,
    )
    expect(res.status).toBeLessThan(500)
    expect(JSON.stringify(res.body)).not.toContain(staff.editor.user.email)
  })

  it('over GraphQL too', async () => {
    const res = await graphql(
      server.url,
      '{ Users(limit: 100) { docs { id name email roles } } }',
      {},
      staff.writer.auth,
    )
    const others = (res.body.data?.Users?.docs ?? []).filter(
      (u: UserRow) => u.id !== staff.writer.user.id,
    )
    expect(others.length).toBeGreaterThanOrEqual(3)
    expect(JSON.stringify(res.body)).not.toContain(staff.editor.user.email)
    for (const other of others) expect(other).toMatchObject({ email: null, roles: null })
  })

  it('editors and admins see every account', async () => {
    for (const actor of ['editor', 'admin'] as const) {
      const emails = (await list(actor)).map((u) => u.email)
      expect(emails).toEqual(
        expect.arrayContaining([staff.writer.user.email, staff.admin.user.email]),
      )
    }
  })

  it("a post's creator shows to a writer by name, without the email address", async () => {
    const post = await seedPost(server.payload, staff.otherWriter.user)
    const res = await rest(server.url, 'GET', `/api/posts/${post.id}?depth=1`, staff.writer.auth)
    expect(res.status).toBe(200)
    expect(res.body.createdBy).toMatchObject({ id: staff.otherWriter.user.id, name: 'writer' })
    expect(res.body.createdBy.email).toBeUndefined()
  })
})
