import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { readDeskInitial } from '../../src/admin/Dashboard/deskInitial'
import {
  failingFeedsQuery,
  postsCardQueries,
  restParams,
  type PostsCardId,
} from '../../src/admin/Dashboard/deskQueries'
import type { RunningServer } from '../../src/server'
import { startTestServer } from '../helpers/server'
import { createStaff, rest, seedPost, type Staff } from '../workflow/helpers'

/**
 * The desk's cards come with the page, read on the server as the signed-in user
 * (src/admin/Dashboard/deskInitial.ts). They must show what the cards' own REST reads show that user:
 * the same posts, in the same order, with the same access.
 */
let server: RunningServer
let staff: Record<'admin' | 'editor' | 'writer' | 'otherWriter', Staff>

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  staff = await createStaff(server.payload, server.url)
  const { payload } = server
  await seedPost(payload, staff.writer.user, { title: '作者的草稿' })
  await seedPost(payload, staff.otherWriter.user, { title: 'another writer’s draft' })
  await seedPost(payload, staff.writer.user, { title: 'waiting', editorialState: 'in_review' })
  for (const [i, title] of ['out first', 'out second'].entries())
    await seedPost(payload, staff.editor.user, {
      title,
      _status: 'published',
      editorialState: 'approved',
      publishedAt: `2025-01-0${i + 1}T08:00:00.000Z`,
    })
  for (const [fidelity, title] of [
    [0.4, 'lost more'],
    [0.1, 'lost most'],
  ] as const)
    await payload.create({
      collection: 'posts',
      data: { title, review: { flagged: true, fidelity, warnings: ['low fidelity'] } } as never,
      draft: true,
      overrideAccess: true,
    })
  await payload.create({
    collection: 'sources',
    data: {
      name: 'Failing Daily',
      ingest: { enabled: true, feedUrl: 'http://127.0.0.1:9/feed.xml' },
      ingestStatus: { failureStreak: 3, lastError: 'connection refused' },
    } as never,
    overrideAccess: true,
  })
})
afterAll(async () => {
  await server?.close()
})

const titles = (docs: unknown[] | undefined) =>
  (docs as { title?: string; name?: string }[] | undefined)?.map((d) => d.title ?? d.name)

const restTitles = async (collection: string, params: URLSearchParams, auth: string) => {
  const res = await rest(server.url, 'GET', `/api/${collection}?${params}`, auth)
  expect(res.status).toBe(200)
  return titles(res.body.docs)
}

describe('the desk read with the page', () => {
  it.each(['editor', 'writer'] as const)(
    'shows the %s the posts and sources its cards read over REST, in the same order',
    async (who) => {
      const { user, auth } = staff[who]
      const initial = await readDeskInitial(server.payload, user as never)
      const queries = postsCardQueries(user.id)
      const cards = Object.keys(initial.posts) as PostsCardId[]
      expect(cards.sort()).toEqual(
        who === 'editor'
          ? Object.keys(queries).sort()
          : ['desk-my-drafts', 'desk-recently-published'],
      )
      for (const card of cards) {
        const params = restParams(queries[card])
        params.set('draft', 'true')
        expect({ card, titles: titles(initial.posts[card]?.data) }).toEqual({
          card,
          titles: await restTitles('posts', params, auth),
        })
      }
      if (who === 'editor') {
        expect(titles(initial.failingFeeds?.data)).toEqual(['Failing Daily'])
        expect(titles(initial.failingFeeds?.data)).toEqual(
          await restTitles('sources', restParams(failingFeedsQuery), auth),
        )
      } else expect(initial.failingFeeds).toBeUndefined()
      expect(initial.schedule?.data).toEqual({ upcoming: [], overdue: [] })
      expect(initial.version).toEqual(
        (await rest(server.url, 'GET', '/api/newsroom/desk/version', auth)).body.version,
      )
    },
  )

  it("lists what each card asks for: the user's own drafts, the oldest review first, the newest out first, the worst fidelity first", async () => {
    const editor = await readDeskInitial(server.payload, staff.editor.user as never)
    const writer = await readDeskInitial(server.payload, staff.writer.user as never)
    expect(titles(writer.posts['desk-my-drafts']?.data)).toEqual(['作者的草稿'])
    expect(titles(editor.posts['desk-waiting-for-review']?.data)).toEqual(['waiting'])
    expect(titles(editor.posts['desk-recently-published']?.data)).toEqual([
      'out second',
      'out first',
    ])
    expect(titles(editor.posts['desk-flagged']?.data)).toEqual(['lost most', 'lost more'])
  })
})
