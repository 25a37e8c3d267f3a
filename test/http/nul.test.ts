import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { RunningServer } from '../../src/server'

import { paragraphs } from '../helpers/lexical'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'

/**
 * A NUL character (U+0000) in anything written is refused with a 400 naming where it is, on every
 * database: PostgreSQL cannot store it in `text` or `jsonb` and answered 500.
 */
let server: RunningServer
let editor: string

beforeAll(async () => {
  server = await startTestServer()
  const user = await createUser(server.payload, 'editor')
  editor = await login(server.url, user.email, 'correct horse battery staple')
}, 120_000)

afterAll(async () => {
  await server?.close()
})

const post = (data: Record<string, unknown>) =>
  fetch(`${server.url}/api/posts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: editor },
    body: JSON.stringify(data),
  })

const linked = (url: string) => {
  const doc = paragraphs('see ')
  const paragraph = doc.root.children[0] as { children: unknown[] }
  paragraph.children.push({
    type: 'link',
    version: 3,
    direction: null,
    format: '',
    indent: 0,
    fields: { linkType: 'custom', url, newTab: false },
    children: [
      { type: 'text', version: 1, text: 'here', format: 0, mode: 'normal', style: '', detail: 0 },
    ],
  })
  return doc
}

const count = async () =>
  (await server.payload.count({ collection: 'posts', overrideAccess: true })).totalDocs

describe('a write holding a NUL character', () => {
  it('is refused with a 400 naming the field, and stores nothing', async () => {
    const before = await count()
    const res = await post({ title: 'bad\u0000title', content: paragraphs('fine') })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { errors: { data?: { errors?: { path: string }[] } }[] }
    expect(body.errors[0].data?.errors).toEqual([expect.objectContaining({ path: 'title' })])
    expect(await count()).toBe(before)
  })

  it('is refused with a 400 when the NUL is in a link inside the rich text', async () => {
    const before = await count()
    const res = await post({ title: 'a link', content: linked('https://example.org/a\u0000b') })
    expect(res.status).toBe(400)
    const text = await res.text()
    expect(text).toContain('content.root.children.0.children.1.fields.url')
    expect(await count()).toBe(before)
  })

  it('is refused on update too, and the stored post keeps its text', async () => {
    const created = await post({ title: 'clean', content: paragraphs('clean text') })
    expect(created.status).toBe(201)
    const { doc } = (await created.json()) as { doc: { id: number | string } }
    const res = await fetch(`${server.url}/api/posts/${doc.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: editor },
      body: JSON.stringify({ content: paragraphs('dirty\u0000text') }),
    })
    expect(res.status).toBe(400)
    const stored = await server.payload.findByID({
      collection: 'posts',
      id: doc.id,
      overrideAccess: true,
    })
    expect(stored.contentHtml).toContain('clean text')
  })
})

describe('a query holding a NUL character', () => {
  it('is answered 400, not passed to the database', async () => {
    const res = await fetch(`${server.url}/api/posts?where[title][equals]=%00`)
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('NUL')
  })
})
