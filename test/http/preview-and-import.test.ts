import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { paragraphs } from '../helpers/lexical'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'

let server: RunningServer
let draftId: number | string
let writer: string
let editor: string

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  const { payload } = server
  await createUser(payload, 'admin', 'admin@preview.test')
  await createUser(payload, 'writer', 'writer@preview.test')
  await createUser(payload, 'editor', 'editor@preview.test')
  const source = await payload.create({
    collection: 'sources',
    data: {
      name: '联合早报',
      homepage: 'https://www.zaobao.com.sg/',
      attribution: '转载自联合早报',
    },
  })
  const author = await payload.create({ collection: 'authors', data: { name: '林记者' } })
  const draft = await payload.create({
    collection: 'posts',
    data: {
      title: '草稿 <script>alert(1)</script>',
      source: source.id,
      authors: [author.id],
      sourceUrl: 'https://www.zaobao.com.sg/news/1',
      content: paragraphs('尚未发布的正文。') as never,
    },
    draft: true,
    overrideAccess: true,
  })
  draftId = draft.id
  writer = await login(server.url, 'writer@preview.test', 'correct horse battery staple')
  editor = await login(server.url, 'editor@preview.test', 'correct horse battery staple')
})

afterAll(async () => {
  await server?.close()
})

describe('the staff preview of a post', () => {
  it('is refused without a signed-in staff member, and never cached', async () => {
    const res = await fetch(`${server.url}/preview/posts/${draftId}`)
    expect(res.status).toBe(401)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).not.toContain('尚未发布的正文')
  })

  it('shows a draft to staff as readers will see it: title, byline, body, the outlet credit', async () => {
    const res = await fetch(`${server.url}/preview/posts/${draftId}`, {
      headers: { authorization: writer },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await res.text()
    expect(html).toContain('<h1>草稿 &lt;script&gt;alert(1)&lt;/script&gt;</h1>')
    expect(html).toContain('林记者')
    expect(html).toContain('<p>尚未发布的正文。</p>')
    expect(html).toContain('联合早报')
    expect(html).toContain('转载自联合早报')
    expect(html).toContain('href="https://www.zaobao.com.sg/news/1"')
    expect(html).toMatch(/data-testid="preview-banner">[^<]*draft/)
  })

  it('answers 404 for a post that does not exist', async () => {
    const res = await fetch(`${server.url}/preview/posts/999999`, {
      headers: { authorization: editor },
    })
    expect(res.status).toBe(404)
  })
})

describe('POST /api/newsroom/import', () => {
  const start = (authorization?: string) =>
    fetch(`${server.url}/api/newsroom/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ dryRun: true }),
    })

  it('is refused to anonymous requests and to writers', async () => {
    expect((await start()).status).toBe(401)
    expect((await start(writer)).status).toBe(403)
  })

  it('says the server has no archive (409) when ARCHIVE_DIR is not set, and queues nothing', async () => {
    delete process.env.ARCHIVE_DIR
    const res = await start(editor)
    expect(res.status).toBe(409)
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(
      /set ARCHIVE_DIR/,
    )
    const jobs = await server.payload.count({
      collection: 'payload-jobs',
      where: { taskSlug: { equals: 'importArchive' } },
    })
    expect(jobs.totalDocs).toBe(0)
  })

  it('tells the import panel whether an import would start, on which folder, or why not (GET)', async () => {
    const ask = (authorization?: string) =>
      fetch(`${server.url}/api/newsroom/import`, {
        headers: authorization ? { authorization } : {},
      })
    expect((await ask()).status).toBe(401)
    expect((await ask(writer)).status).toBe(403)
    delete process.env.ARCHIVE_DIR
    const unset = await ask(editor)
    expect(unset.status).toBe(200)
    expect(await unset.json()).toEqual({
      ready: false,
      reason: expect.stringMatching(/set ARCHIVE_DIR/),
    })
    process.env.ARCHIVE_DIR = path.resolve('examples/archive')
    const set = await ask(editor).finally(() => delete process.env.ARCHIVE_DIR)
    expect(await set.json()).toEqual({ ready: true, archiveDir: path.resolve('examples/archive') })
  })

  it('queues the importer task on the server archive for an editor, and nothing else', async () => {
    // Set only now: with ARCHIVE_DIR set at start-up the archive migration would import it at boot.
    process.env.ARCHIVE_DIR = path.resolve('examples/archive')
    const res = await start(editor).finally(() => delete process.env.ARCHIVE_DIR)
    expect(res.status).toBe(202)
    const { jobId, dryRun } = (await res.json()) as { jobId: number | string; dryRun: boolean }
    expect(dryRun).toBe(true)
    const job = await server.payload.findByID({
      collection: 'payload-jobs',
      id: jobId,
      overrideAccess: true,
    })
    expect(job.taskSlug).toBe('importArchive')
    // No folder from the client: the task imports the server's ARCHIVE_DIR.
    expect(job.input).toEqual({ dryRun: true })
  })
})
