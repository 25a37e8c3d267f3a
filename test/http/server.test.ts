import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { paragraphs } from '../helpers/lexical'
import { graphql, startTestServer } from '../helpers/server'

let server: RunningServer
let publishedId: number | string
let draftId: number | string

beforeAll(async () => {
  server = await startTestServer()
  const { payload } = server
  const published = await payload.create({
    collection: 'posts',
    data: {
      title: '公开的文章',
      _status: 'published',
      publishedAt: new Date(Date.now() - 60_000).toISOString(),
      content: paragraphs('读者可以看到这段正文。') as never,
    },
  })
  const draft = await payload.create({
    collection: 'posts',
    data: { title: '尚未发布的草稿', _status: 'draft', content: paragraphs('秘密') as never },
  })
  publishedId = published.id
  draftId = draft.id
})

afterAll(async () => {
  await server?.close()
})

describe('routes Payload does not have', () => {
  it.each(['/api/payload-migrations/abc', '/api/no-such-collection'])(
    'answer %s with 404, not a server error',
    async (route) => {
      const res = await fetch(`${server.url}${route}`)
      expect(res.status).toBe(404)
    },
  )
})

describe('GET /healthz', () => {
  it('answers 200 with the database reachable, naming no versions to an anonymous caller', async () => {
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ ok: true, database: { ok: true } })
    // Which versions run is for staff (test/workflow/security-headers.test.ts).
    expect(body).not.toHaveProperty('payload')
    expect(body).not.toHaveProperty('version')
  })
})

describe('REST', () => {
  it('lists published posts with their rendered HTML', async () => {
    const res = await fetch(`${server.url}/api/posts?depth=1`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { docs: Array<Record<string, unknown>> }
    expect(body.docs.map((d) => d.title)).toEqual(['公开的文章'])
    expect(body.docs[0].contentHtml).toBe('<p>读者可以看到这段正文。</p>')
  })

  it('serves a single published post by id', async () => {
    const res = await fetch(`${server.url}/api/posts/${publishedId}`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { slug: string }).slug).toBe('公开的文章')
  })

  it('does not reveal a draft to an anonymous reader, by id or by query', async () => {
    expect((await fetch(`${server.url}/api/posts/${draftId}`)).status).toBe(404)
    const res = await fetch(
      `${server.url}/api/posts?draft=true&where[title][equals]=${encodeURIComponent('尚未发布的草稿')}`,
    )
    expect(((await res.json()) as { totalDocs: number }).totalDocs).toBe(0)
  })
})

describe('GraphQL', () => {
  it('lists published posts and hides drafts from anonymous readers', async () => {
    const { status, body } = await graphql(
      server.url,
      '{ Posts(limit: 50) { totalDocs docs { id title slug } } }',
    )
    expect(status).toBe(200)
    expect(body.errors).toBeUndefined()
    expect(body.data.Posts.docs.map((d: { title: string }) => d.title)).toEqual(['公开的文章'])
  })

  it('refuses a draft by id to an anonymous reader', async () => {
    const { body } = await graphql(
      server.url,
      'query ($id: Int!) { Post(id: $id, draft: true) { id title } }',
      {
        id: Number(draftId),
      },
    )
    expect(body.data?.Post ?? null).toBeNull()
  })
})
