import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'
import { createStaff, rest, seedPost, type Staff } from '../workflow/helpers'

/**
 * The desk's cheap endpoints: the version counter its cards poll instead of their queries, and the
 * import report read a page at a time instead of whole with the runs list.
 */
let server: RunningServer
let staff: Record<'admin' | 'editor' | 'writer' | 'otherWriter', Staff>

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  staff = await createStaff(server.payload, server.url)
})
afterAll(async () => {
  await server?.close()
})

const version = async (auth = staff.writer.auth): Promise<string> => {
  const res = await rest(server.url, 'GET', '/api/newsroom/desk/version', auth)
  expect(res.status).toBe(200)
  return res.body.version
}

describe('GET /api/newsroom/desk/version', () => {
  it('stays the same while nothing changes, so an idle desk reloads nothing', async () => {
    const first = await version()
    expect(await version()).toBe(first)
  })

  it('moves when a post is saved as a draft (a version only), published or deleted', async () => {
    const before = await version()
    const post = await seedPost(server.payload, staff.writer.user, { title: '草稿' })
    const afterCreate = await version()
    expect(afterCreate).not.toBe(before)

    await server.payload.update({
      collection: 'posts',
      id: post.id,
      data: { title: '草稿二' },
      draft: true,
      overrideAccess: true,
    })
    const afterDraftSave = await version()
    expect(afterDraftSave).not.toBe(afterCreate)

    await server.payload.delete({ collection: 'posts', id: post.id, overrideAccess: true })
    expect(await version()).not.toBe(afterDraftSave)
  })

  it('moves when an import run reports progress', async () => {
    const before = await version(staff.editor.auth)
    await server.payload.create({
      collection: 'import-runs',
      data: { runId: 'progress', status: 'running', progress: { done: 1, total: 2 } },
      overrideAccess: true,
    })
    expect(await version(staff.editor.auth)).not.toBe(before)
  })

  it('is refused to anonymous callers', async () => {
    expect((await rest(server.url, 'GET', '/api/newsroom/desk/version')).status).toBe(401)
  })
})

describe('GET /api/newsroom/import-runs/:id/report', () => {
  let runId: number | string
  const rows = [
    ...Array.from({ length: 45 }, (_, i) => ({
      file: `bad-${i}.md`,
      status: 'failed',
      reason: 'x',
    })),
    { file: 'mine.md', status: 'conflict', id: 7, reason: 'edited by staff' },
    ...Array.from({ length: 100 }, (_, i) => ({ file: `ok-${i}.md`, status: 'created' })),
  ]

  beforeAll(async () => {
    const run = await server.payload.create({
      collection: 'import-runs',
      data: {
        runId: 'paged',
        status: 'completed',
        summary: { files: rows.length, created: 100, failed: 45, conflict: 1 },
        report: { rows },
      },
      overrideAccess: true,
    })
    runId = run.id
  })

  it('sends one page of the failed rows with the totals, not the whole report', async () => {
    const res = await rest(
      server.url,
      'GET',
      `/api/newsroom/import-runs/${runId}/report?kind=failed&page=3&limit=20`,
      staff.editor.auth,
    )
    expect(res.status).toBe(200)
    expect(res.body.totalDocs).toBe(45)
    expect(res.body.totalPages).toBe(3)
    expect(res.body.rows.map((r: { file: string }) => r.file)).toEqual(
      Array.from({ length: 5 }, (_, i) => `bad-${40 + i}.md`),
    )
  })

  it('sends the conflicts apart from the failures', async () => {
    const res = await rest(
      server.url,
      'GET',
      `/api/newsroom/import-runs/${runId}/report?kind=conflict`,
      staff.editor.auth,
    )
    expect(res.body.totalDocs).toBe(1)
    expect(res.body.rows[0]).toMatchObject({ file: 'mine.md', id: 7 })
  })

  it('refuses an unknown kind and a page that is not a positive integer', async () => {
    const path = `/api/newsroom/import-runs/${runId}/report`
    expect((await rest(server.url, 'GET', `${path}?kind=all`, staff.editor.auth)).status).toBe(400)
    expect((await rest(server.url, 'GET', `${path}?page=0`, staff.editor.auth)).status).toBe(400)
  })

  it('is for editors only, like the import runs themselves', async () => {
    const res = await rest(
      server.url,
      'GET',
      `/api/newsroom/import-runs/${runId}/report`,
      staff.writer.auth,
    )
    expect(res.status).toBe(403)
  })

  it('lets the runs list leave the report out with select', async () => {
    const res = await rest(
      server.url,
      'GET',
      `/api/import-runs?where[id][equals]=${runId}&select[status]=true&select[summary]=true`,
      staff.editor.auth,
    )
    expect(res.body.docs[0].summary.failed).toBe(45)
    expect(res.body.docs[0].report).toBeUndefined()
  })
})
