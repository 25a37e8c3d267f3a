import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { RunningServer } from '../../src/server'
import { startDeliveryServer, TRICKY_TITLE, type DeliveryFixture } from './fixtures'

let server: RunningServer
let fx: DeliveryFixture
let staffAuth: string

type ListBody = {
  docs: Record<string, any>[]
  totalDocs: number
  page: number
  hasNextPage: boolean
}

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}${path}`, { headers })
  const text = await res.text()
  return { res, text, json: text ? JSON.parse(text) : undefined }
}
const list = async (path: string, headers: Record<string, string> = {}) => {
  const { res, json } = await get(path, headers)
  expect(res.status).toBe(200)
  return json as ListBody
}
const titles = (body: ListBody) => body.docs.map((d) => d.title)

beforeAll(async () => {
  ;({ server, fx, staffAuth } = await startDeliveryServer())
})
afterAll(async () => {
  await server?.close()
})

describe('anonymous REST reads', () => {
  it('list only published and due posts, newest first', async () => {
    const body = await list('/api/posts?limit=20')
    expect(titles(body)).toEqual(['已发布的版本', '外交新闻', TRICKY_TITLE])
  })

  it('never see a draft, an embargoed post or a newer unpublished revision, even with draft=true', async () => {
    const body = await list('/api/posts?draft=true&limit=50')
    expect(JSON.stringify(body)).not.toMatch(/SECRET|EMBARGOED/)
    for (const id of [fx.p3.id, fx.p4.id]) {
      const { res } = await get(`/api/posts/${id}?draft=true`)
      expect([403, 404]).toContain(res.status)
    }
    const { text } = await get(`/api/posts/${fx.p5.id}?draft=true`)
    expect(text).not.toMatch(/SECRET/)
  })

  it('are refused the versions of posts', async () => {
    const { res, text } = await get('/api/posts/versions')
    expect(res.status).toBe(403)
    expect(text).not.toMatch(/SECRET/)
    expect((await get(`/api/posts/versions?where[parent][equals]=${fx.p5.id}`)).res.status).toBe(
      403,
    )
  })

  it('while staff see drafts and revisions, and their responses are private', async () => {
    const { res, json } = await get('/api/posts?draft=true&limit=50', { authorization: staffAuth })
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.headers.get('etag')).toBeNull()
    expect(titles(json)).toEqual(
      expect.arrayContaining(['SECRET DRAFT never published', 'SECRET REVISION not yet published']),
    )
  })
})

describe('a delivered post', () => {
  it('carries title, slug, contentHtml, excerpt, publishedAt, authors, categories, tags and attribution at depth 1', async () => {
    const body = await list('/api/posts?where[slug][equals]=att-china&depth=1')
    expect(body.docs).toHaveLength(1)
    const post = body.docs[0]!
    expect(post).toMatchObject({
      title: TRICKY_TITLE,
      slug: 'att-china',
      contentHtml: '<p>正文第一段：AT&amp;T 与 &lt;b&gt;中国&lt;/b&gt;</p><p>第二段</p>',
      excerpt: expect.stringContaining('正文第一段'),
      publishedAt: '2026-01-10T08:00:00.000Z',
      tags: ['经济', 'R&D <研发>'],
      authors: [expect.objectContaining({ name: '王小明', slug: 'wang' })],
      categories: [expect.objectContaining({ name: '中国', slug: 'china' })],
      source: expect.objectContaining({ name: '法广 RFI', slug: 'rfi' }),
      attribution: {
        outlet: '法广 RFI',
        outletSlug: 'rfi',
        outletHomepage: 'https://www.rfi.fr/cn/',
        sourceUrl: 'https://www.rfi.fr/cn/a?x=1&y=2',
        licence: '© RFI — 转载须注明出处 & 链接',
      },
    })
  })

  it('carries the same attribution at depth 0, where source is only an id', async () => {
    const { json } = await get(`/api/posts/${fx.p2.id}?depth=0`)
    expect(json.source).toBe(fx.zaobao.id)
    expect(json.attribution).toMatchObject({ outlet: '联合早报', licence: '© SPH Media' })
  })

  it('follows a change of its source attribution on the next read', async () => {
    await server.payload.update({
      collection: 'sources',
      id: fx.zaobao.id,
      data: { attribution: '© SPH Media 2026' },
    })
    const { json } = await get(`/api/posts/${fx.p2.id}?depth=0`)
    expect(json.attribution.licence).toBe('© SPH Media 2026')
  })
})

/** Fields of a post only staff read: the workflow and import records. */
const STAFF_ONLY = [
  'editorialState',
  'editorialLog',
  'approvedFingerprint',
  'review',
  'provenance',
  'createdBy',
]

describe('what readers are given', () => {
  it('is the staff view less the staff-only fields and the Lexical JSON, at depth 0 and 1', async () => {
    for (const depth of [0, 1]) {
      const reader = (await get(`/api/posts/${fx.p1.id}?depth=${depth}`)).json as Record<
        string,
        unknown
      >
      const staffView = (
        await get(`/api/posts/${fx.p1.id}?depth=${depth}`, { authorization: staffAuth })
      ).json as Record<string, unknown>
      for (const field of STAFF_ONLY) expect(staffView).toHaveProperty(field)
      expect(staffView).toHaveProperty('content')
      const expected = Object.fromEntries(
        Object.entries(staffView).filter(([key]) => !STAFF_ONLY.includes(key) && key !== 'content'),
      )
      expect(reader).toEqual(expected)
    }
  })

  it('includes the Lexical JSON when select asks for it, and never a staff-only value', async () => {
    // A logged move: the editorial log now holds a note no reader may see.
    await server.payload.update({
      collection: 'posts',
      id: fx.p2.id,
      data: { editorialState: 'in_review', editorialNote: 'INTERNAL NOTE about the source' },
    })
    const staffView = (await get(`/api/posts/${fx.p2.id}`, { authorization: staffAuth })).json
    expect(JSON.stringify(staffView.editorialLog)).toContain('INTERNAL NOTE')
    const { json, text } = await get(
      `/api/posts/${fx.p2.id}?select[content]=true&select[editorialLog]=true&select[review]=true&select[provenance]=true&select[editorialState]=true`,
    )
    expect(json.content.root.children.length).toBeGreaterThan(0)
    expect(text).not.toContain('INTERNAL NOTE')
    // Payload answers an unreadable array with an empty one.
    expect(json.editorialLog ?? []).toEqual([])
    for (const field of STAFF_ONLY.filter((f) => f !== 'editorialLog'))
      expect(json).not.toHaveProperty(field)
  })

  it('refuses a population deeper than DELIVERY_MAX_DEPTH (2) with a 400 saying so, but not to staff', async () => {
    expect((await get('/api/posts?limit=1&depth=2')).res.status).toBe(200)
    for (const path of [
      '/api/posts?limit=1&depth=3',
      `/api/posts/${fx.p1.id}?depth=10`,
      '/api/sources?depth=5',
    ]) {
      const { res, text } = await get(path)
      expect(res.status).toBe(400)
      expect(text).toMatch(/deeper than readers may ask for: at most 2/)
    }
    expect((await get('/api/posts?limit=1&depth=3', { authorization: staffAuth })).res.status).toBe(
      200,
    )
  })

  it('refuses an anonymous filter on a staff-only field, which would reveal it', async () => {
    for (const query of [
      'where[provenance.archiveFile][exists]=true',
      'where[provenance.importRun][equals]=x',
      'where[editorialState][equals]=approved',
      'where[review.flagged][equals]=false',
    ]) {
      const { res, text } = await get(`/api/posts?${query}`)
      expect(res.status).toBe(400)
      expect(text).toMatch(/cannot be queried/i)
    }
    const staffRes = await get('/api/posts?where[provenance.archiveFile][exists]=false', {
      authorization: staffAuth,
    })
    expect(staffRes.res.status).toBe(200)
  })
})

describe('filters, sort, pagination, select', () => {
  it('filter by source slug', async () => {
    expect(titles(await list('/api/posts?where[source.slug][equals]=rfi'))).toEqual([
      '已发布的版本',
      TRICKY_TITLE,
    ])
  })

  it('filter by several source slugs, and an unknown slug matches nothing', async () => {
    expect(titles(await list('/api/posts?where[source.slug][in]=rfi,zaobao'))).toEqual([
      '已发布的版本',
      '外交新闻',
      TRICKY_TITLE,
    ])
    const none = await list('/api/posts?where[source.slug][equals]=nope')
    expect(none.totalDocs).toBe(0)
    const either = await list(
      '/api/posts?where[or][0][source.slug][equals]=zaobao&where[or][1][categories.slug][equals]=china',
    )
    expect(titles(either)).toEqual(['外交新闻', TRICKY_TITLE])
  })

  it('filter by category slug', async () => {
    expect(titles(await list('/api/posts?where[categories.slug][equals]=world'))).toEqual([
      '已发布的版本',
      '外交新闻',
    ])
  })

  it('filter by tag', async () => {
    expect(
      titles(await list(`/api/posts?where[tags][equals]=${encodeURIComponent('经济')}`)),
    ).toEqual([TRICKY_TITLE])
    expect(
      titles(await list(`/api/posts?where[tags][in]=${encodeURIComponent('外交,R&D <研发>')}`)),
    ).toEqual(['外交新闻', TRICKY_TITLE])
  })

  it('filter by a date range on publishedAt', async () => {
    const body = await list(
      '/api/posts?where[publishedAt][greater_than_equal]=2026-02-01T00:00:00Z&where[publishedAt][less_than]=2026-04-01T00:00:00Z',
    )
    expect(titles(body)).toEqual(['外交新闻'])
  })

  it('combine filters, and an embargoed post stays hidden from them', async () => {
    const body = await list(
      '/api/posts?where[source.slug][equals]=rfi&where[categories.slug][equals]=china',
    )
    expect(titles(body)).toEqual([TRICKY_TITLE])
  })

  it('sort and paginate', async () => {
    const page2 = await list('/api/posts?sort=publishedAt&limit=1&page=2')
    expect(titles(page2)).toEqual(['外交新闻'])
    expect(page2).toMatchObject({ totalDocs: 3, page: 2, hasNextPage: true })
  })

  it('honour select and depth', async () => {
    const body = await list('/api/posts?select[title]=true&select[slug]=true&limit=1')
    expect(Object.keys(body.docs[0]!).sort()).toEqual(['id', 'slug', 'title'])
    const lean = await list('/api/posts?depth=0&limit=1&select[source]=true&select[sourceUrl]=true')
    expect(typeof lean.docs[0]!.source).toBe('number')
    expect(lean.docs[0]!.attribution.outlet).toBe('法广 RFI')
  })
})

describe('HTTP caching', () => {
  it('public reads carry a CDN-usable Cache-Control and a weak ETag, and a repeat with it gets 304', async () => {
    const first = await get('/api/posts?limit=20&depth=1')
    expect(first.res.headers.get('cache-control')).toMatch(
      /^public, max-age=\d+, stale-while-revalidate=\d+$/,
    )
    const etag = first.res.headers.get('etag')
    expect(etag).toMatch(/^W\/".+"$/)
    const again = await fetch(`${server.url}/api/posts?limit=20&depth=1`, {
      headers: { 'if-none-match': etag! },
    })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect(again.headers.get('etag')).toBe(etag)
    const detail = await get(`/api/posts/${fx.p1.id}`)
    const detailAgain = await fetch(`${server.url}/api/posts/${fx.p1.id}`, {
      headers: { 'if-none-match': detail.res.headers.get('etag')! },
    })
    expect(detailAgain.status).toBe(304)
  })

  it('a repeated anonymous read is answered from the microcache', async () => {
    const url = `${server.url}/api/posts?limit=2&depth=0&sort=title`
    const first = await fetch(url)
    const second = await fetch(url)
    expect(first.headers.get('x-delivery-cache')).toBe('miss')
    expect(second.headers.get('x-delivery-cache')).toBe('hit')
    expect(await second.text()).toBe(await first.text())
  })

  it('a change to a post gives a new ETag and the new content at once', async () => {
    const before = await get(`/api/posts/${fx.p2.id}`)
    await server.payload.update({
      collection: 'posts',
      id: fx.p2.id,
      data: { excerpt: '新的摘要' },
    })
    const after = await fetch(`${server.url}/api/posts/${fx.p2.id}`, {
      headers: { 'if-none-match': before.res.headers.get('etag')! },
    })
    expect(after.status).toBe(200)
    expect(((await after.json()) as { excerpt: string }).excerpt).toBe('新的摘要')
    expect(after.headers.get('etag')).not.toBe(before.res.headers.get('etag'))
  })

  it('never caches a response for a request with credentials, valid or not', async () => {
    const variants: Record<string, string>[] = [
      { authorization: staffAuth },
      { authorization: 'JWT forged' },
      { cookie: 'payload-token=x' },
    ]
    for (const headers of variants) {
      const { res } = await get('/api/posts?limit=1', headers)
      expect(res.headers.get('cache-control')).toBe('private, no-store')
      expect(res.headers.get('x-delivery-cache')).toBeNull()
    }
  })

  it('anything else under /api is not stored', async () => {
    const { res } = await get('/api/users/me')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })
})
