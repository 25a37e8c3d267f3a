import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { Post } from '../../src/payload-types'
import type { RunningServer } from '../../src/server'
import { graphql, startTestServer } from '../helpers/server'
import { createStaff, rest, seedPost, type Actor, type Staff } from './helpers'

/**
 * Issue 22, items 4-7: what only the importer writes (provenance, the import review), duplicates,
 * edit locks and the sources' feed URL, through the real HTTP server and the Local API.
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

const IMPORTED = {
  archiveFile: 'archive/2019/a.md',
  contentHash: 'hash-by-the-importer',
  importRun: 'run-1',
  importedAt: '2026-01-02T03:04:05.000Z',
}
const FORGED = { importRun: 'forged-run', contentHash: 'forged-hash', archiveFile: 'forged.md' }

/** A writer's unpublished post as the importer made it (provenance and review set). */
const importedPost = async (owner: Staff) => {
  const post = await seedPost(server.payload, owner.user)
  return server.payload.update({
    collection: 'posts',
    id: post.id,
    data: { provenance: IMPORTED, review: { fidelity: 0.93, warnings: ['by the importer'] } },
    overrideAccess: true,
  })
}

const stored = (id: number) =>
  server.payload.findByID({ collection: 'posts', id, depth: 0, overrideAccess: true })

const provenanceOf = async (id: number) => {
  const post = await stored(id)
  return {
    archiveFile: post.provenance?.archiveFile ?? null,
    contentHash: post.provenance?.contentHash ?? null,
    importRun: post.provenance?.importRun ?? null,
    fidelity: post.review?.fidelity ?? null,
    warnings: post.review?.warnings ?? [],
  }
}
const UNTOUCHED = {
  archiveFile: IMPORTED.archiveFile,
  contentHash: IMPORTED.contentHash,
  importRun: IMPORTED.importRun,
  fidelity: 0.93,
  warnings: ['by the importer'],
}
const forgedBody = { provenance: FORGED, review: { fidelity: 1, warnings: [] } }

describe('provenance and the import review are read-only to staff on every door', () => {
  it.each<Exclude<Actor, 'anonymous'>>(['writer', 'editor', 'admin'])(
    "a %s's REST PATCH does not store a forged provenance",
    async (actor) => {
      const post = await importedPost(staff.writer)
      const res = await rest(server.url, 'PATCH', `/api/posts/${post.id}`, staff[actor].auth, {
        title: 'edited',
        ...forgedBody,
      })
      expect(res.status).toBe(200)
      expect((await stored(post.id)).title).toBe('edited')
      expect(await provenanceOf(post.id)).toEqual(UNTOUCHED)
    },
  )

  it('a writer cannot create a post that claims an import', async () => {
    const res = await rest(server.url, 'POST', '/api/posts', staff.writer.auth, {
      title: 'claims an import',
      ...forgedBody,
    })
    expect(res.status).toBe(201)
    const post = await stored(res.body.doc.id)
    expect(post.provenance?.importRun ?? null).toBeNull()
    expect(post.provenance?.contentHash ?? null).toBeNull()
  })

  it('a writer’s GraphQL updatePost does not store a forged provenance', async () => {
    const post = await importedPost(staff.writer)
    const res = await graphql(
      server.url,
      'mutation ($id: Int!) { updatePost(id: $id, data: { title: "via graphql", provenance: { importRun: "forged-run", contentHash: "forged-hash" }, review: { fidelity: 1 } }) { id } }',
      { id: post.id },
      staff.writer.auth,
    )
    expect(res.status).toBeLessThan(500)
    expect(await provenanceOf(post.id)).toEqual(UNTOUCHED)
  })

  it('a bulk edit (PATCH /api/posts?where=...) does not store a forged provenance', async () => {
    const post = await importedPost(staff.writer)
    const res = await rest(
      server.url,
      'PATCH',
      `/api/posts?where[id][equals]=${post.id}`,
      staff.editor.auth,
      { excerpt: 'bulk', ...forgedBody },
    )
    expect(res.status).toBe(200)
    expect((await stored(post.id)).excerpt).toBe('bulk')
    expect(await provenanceOf(post.id)).toEqual(UNTOUCHED)
  })

  it('the Local API with a user and overrideAccess: false does not store it', async () => {
    const post = await importedPost(staff.writer)
    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: forgedBody as Partial<Post>,
      user: staff.writer.user,
      overrideAccess: false,
    })
    expect(await provenanceOf(post.id)).toEqual(UNTOUCHED)
  })

  it('restoring an older version keeps the current provenance and history', async () => {
    const post = await importedPost(staff.writer)
    const { docs } = await server.payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: post.id } },
      sort: '-updatedAt',
      overrideAccess: true,
    })
    const older = docs[0]
    // The importer writes the post again: a new provenance the restore must not undo.
    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: { provenance: { ...IMPORTED, contentHash: 'second-import', importRun: 'run-2' } },
      overrideAccess: true,
    })
    const before = await stored(post.id)
    const res = await rest(server.url, 'POST', `/api/posts/versions/${older.id}`, staff.writer.auth)
    expect(res.status).toBe(200)
    const after = await stored(post.id)
    expect(after.provenance?.contentHash).toBe('second-import')
    expect(after.provenance?.importRun).toBe('run-2')
    expect(after.editorialLog ?? []).toEqual(before.editorialLog ?? [])
  })

  it("restoring a version answers with no colleague's email, hash, salt or sessions in the populated users", async () => {
    // The post is made by one user and its history names another: the restore answers with the post
    // populated (depth 2), and every user in it must pass the users' field access for the writer.
    const post = await seedPost(server.payload, staff.writer.user)
    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: {
        createdBy: staff.editor.user.id,
        editorialLog: [
          {
            from: 'draft',
            to: 'in_review',
            by: staff.editor.user.id,
            at: new Date().toISOString(),
          },
        ],
      } as Partial<Post>,
      overrideAccess: true,
    })
    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: { createdBy: staff.writer.user.id, title: 'second' } as Partial<Post>,
      overrideAccess: true,
    })
    const { docs } = await server.payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: post.id } },
      sort: '-updatedAt',
      overrideAccess: true,
    })
    const res = await rest(
      server.url,
      'POST',
      `/api/posts/versions/${docs[docs.length - 1].id}?depth=2`,
      staff.writer.auth,
    )
    const text = JSON.stringify(res.body)
    expect(res.status).toBe(200)
    // Populated: the users are objects in the answer, so their fields went through access.
    expect(text).toContain(`"id":${staff.editor.user.id},`)
    expect(text).not.toContain(staff.editor.user.email)
    expect(text).not.toMatch(/"(hash|salt|resetPasswordToken|apiKey|loginAttempts)"/)
    // Payload shows a user's sessions to that user only: the colleague's list is empty.
    const colleague = res.body.editorialLog[0].by
    expect(colleague.id).toBe(staff.editor.user.id)
    expect(colleague.sessions ?? []).toEqual([])
  })

  it('the importer (overrideAccess) still writes provenance', async () => {
    const post = await importedPost(staff.writer)
    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: { provenance: { contentHash: 'next' } },
      overrideAccess: true,
    })
    expect((await provenanceOf(post.id)).contentHash).toBe('next')
  })
})

describe('a duplicate starts as a draft of its new author', () => {
  it('a writer duplicating an approved, published, imported post gets a draft of their own with no approval, naming the original', async () => {
    const original = await server.payload.create({
      collection: 'posts',
      data: {
        title: 'approved original',
        excerpt: 'as approved',
        createdBy: staff.otherWriter.user.id,
        editorialState: 'approved',
        _status: 'published',
        publishedAt: '2026-01-01T00:00:00.000Z',
        provenance: IMPORTED,
      },
      overrideAccess: true,
    })
    expect((await stored(original.id)).approvedFingerprint).toBeTruthy()

    const res = await rest(
      server.url,
      'POST',
      `/api/posts/${original.id}/duplicate`,
      staff.writer.auth,
      {},
    )
    expect(res.status).toBe(200)
    const copy = await stored(res.body.doc.id)
    expect(copy.id).not.toBe(original.id)
    expect(copy.title).toBe('approved original')
    expect(copy._status).toBe('draft')
    expect(copy.editorialState).toBe('draft')
    expect(copy.approvedFingerprint ?? null).toBeNull()
    expect(copy.publishedAt ?? null).toBeNull()
    expect(copy.provenance?.importRun ?? null).toBeNull()
    expect(copy.provenance?.contentHash ?? null).toBeNull()
    expect(copy.createdBy).toBe(staff.writer.user.id)
    expect(copy.editorialLog).toHaveLength(1)
    expect(copy.editorialLog?.[0]).toMatchObject({ to: 'draft', by: staff.writer.user.id })
    expect(copy.editorialLog?.[0]?.note).toContain(`post ${original.id}`)

    // Nothing of it reaches readers, and the writer can go on editing it as their own draft.
    const anonymous = await rest(server.url, 'GET', `/api/posts/${copy.id}`)
    expect(anonymous.status).toBe(404)
    const edit = await rest(server.url, 'PATCH', `/api/posts/${copy.id}`, staff.writer.auth, {
      excerpt: 'my take',
    })
    expect(edit.status).toBe(200)
    // The original is as it was.
    const again = await stored(original.id)
    expect(again._status).toBe('published')
    expect(again.editorialState).toBe('approved')
  })
})

describe('edit locks name their requester only', () => {
  const lockOn = (postId: number, userId: number) => ({
    document: { relationTo: 'posts', value: postId },
    user: { relationTo: 'users', value: userId },
  })
  const locksOf = async (postId: number) =>
    (
      await server.payload.find({
        collection: 'payload-locked-documents',
        where: { 'document.value': { equals: postId } },
        overrideAccess: true,
        depth: 0,
      })
    ).docs

  it("a writer cannot create a lock naming the admin as holder, on someone else's post or their own", async () => {
    for (const owner of [staff.otherWriter, staff.writer]) {
      const post = await seedPost(server.payload, owner.user)
      const res = await rest(
        server.url,
        'POST',
        '/api/payload-locked-documents',
        staff.writer.auth,
        lockOn(post.id, staff.admin.user.id),
      )
      expect(res.status).toBe(403)
      expect(await locksOf(post.id)).toHaveLength(0)
    }
  })

  it('a writer cannot lock a post they may not edit, even in their own name', async () => {
    const post = await seedPost(server.payload, staff.otherWriter.user)
    const res = await rest(
      server.url,
      'POST',
      '/api/payload-locked-documents',
      staff.writer.auth,
      lockOn(post.id, staff.writer.user.id),
    )
    expect(res.status).toBe(403)
    expect(await locksOf(post.id)).toHaveLength(0)
  })

  it('a writer locks their own post in their own name, and cannot hand the lock to someone else', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const res = await rest(
      server.url,
      'POST',
      '/api/payload-locked-documents',
      staff.writer.auth,
      lockOn(post.id, staff.writer.user.id),
    )
    expect(res.status).toBe(201)
    const id = res.body.doc.id
    const handOver = await rest(
      server.url,
      'PATCH',
      `/api/payload-locked-documents/${id}`,
      staff.writer.auth,
      { user: { relationTo: 'users', value: staff.admin.user.id } },
    )
    expect(handOver.status).toBe(403)
    const [lock] = await locksOf(post.id)
    expect(lock.user.value).toBe(staff.writer.user.id)
    // An editor may take it over (Payload's "Take over" PATCHes the holder to themselves).
    const takeOver = await rest(
      server.url,
      'PATCH',
      `/api/payload-locked-documents/${id}`,
      staff.editor.auth,
      { user: { relationTo: 'users', value: staff.editor.user.id } },
    )
    expect(takeOver.status).toBe(200)
    // The former holder can no longer delete it; the new one can.
    const del = await rest(
      server.url,
      'DELETE',
      `/api/payload-locked-documents/${id}`,
      staff.otherWriter.auth,
    )
    expect(del.status).toBeGreaterThanOrEqual(400)
    expect(await locksOf(post.id)).toHaveLength(1)
  })

  it('GraphQL refuses a lock naming someone else too', async () => {
    const post = await seedPost(server.payload, staff.writer.user)
    const res = await graphql(
      server.url,
      'mutation ($data: mutationPayloadLockedDocumentInput!) { createPayloadLockedDocument(data: $data) { id } }',
      {
        data: {
          document: { relationTo: 'posts', value: post.id },
          user: { relationTo: 'users', value: staff.admin.user.id },
        },
      },
      staff.writer.auth,
    )
    expect(res.body.errors?.length).toBeGreaterThan(0)
    expect(await locksOf(post.id)).toHaveLength(0)
  })
})

describe('sources: the feed URL is for staff only', () => {
  it('anonymous REST and GraphQL reads never see feedUrl; staff do', async () => {
    const source = await server.payload.create({
      collection: 'sources',
      data: { name: `Feed ${Date.now()}`, feedUrl: 'https://feeds.example.test/rss?key=SECRET' },
      overrideAccess: true,
    })
    const byId = await rest(server.url, 'GET', `/api/sources/${source.id}`)
    expect(byId.status).toBe(200)
    expect(JSON.stringify(byId.body)).not.toContain('SECRET')
    const list = await rest(server.url, 'GET', '/api/sources?limit=100&select[feedUrl]=true')
    expect(JSON.stringify(list.body)).not.toContain('SECRET')
    const gql = await graphql(server.url, '{ Sources(limit: 100) { docs { name feedUrl } } }')
    expect(JSON.stringify(gql.body)).not.toContain('SECRET')
    const filtered = await rest(server.url, 'GET', '/api/sources?where[feedUrl][like]=SECRET')
    expect(filtered.body?.docs?.length ?? 0).toBe(0)
    const asWriter = await rest(server.url, 'GET', `/api/sources/${source.id}`, staff.writer.auth)
    expect(asWriter.body.feedUrl).toContain('SECRET')
  })
})
