import type { Payload } from 'payload'

import type { RunningServer } from '../../src/server'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'

import { paragraphs } from '../helpers/lexical'

/** A title that needs escaping in XML and HTML, in Chinese. */
export const TRICKY_TITLE = 'AT&T 与「中国」<新闻>'

export type DeliveryFixture = Awaited<ReturnType<typeof seedDelivery>>

const publish = { _status: 'published' as const, editorialState: 'approved' as const }

/**
 * Two sources, two categories, an author and five posts: three readers may see (p1 rfi/china with
 * a tricky title, p2 zaobao/world, p5 published with a newer unpublished draft) and two they may not
 * (p3 under embargo until 2099, p4 a draft that was never published).
 */
export const seedDelivery = async (payload: Payload) => {
  const rfi = await payload.create({
    collection: 'sources',
    data: {
      name: '法广 RFI',
      slug: 'rfi',
      homepage: 'https://www.rfi.fr/cn/',
      attribution: '© RFI — 转载须注明出处 & 链接',
    },
  })
  const zaobao = await payload.create({
    collection: 'sources',
    data: {
      name: '联合早报',
      slug: 'zaobao',
      homepage: 'https://www.zaobao.com.sg/',
      attribution: '© SPH Media',
    },
  })
  const china = await payload.create({
    collection: 'categories',
    data: { name: '中国', slug: 'china' },
  })
  const world = await payload.create({
    collection: 'categories',
    data: { name: '国际', slug: 'world' },
  })
  const author = await payload.create({
    collection: 'authors',
    data: { name: '王小明', slug: 'wang' },
  })

  const p1 = await payload.create({
    collection: 'posts',
    data: {
      ...publish,
      title: TRICKY_TITLE,
      slug: 'att-china',
      content: paragraphs('正文第一段：AT&T 与 <b>中国</b>', '第二段') as never,
      source: rfi.id,
      sourceUrl: 'https://www.rfi.fr/cn/a?x=1&y=2',
      categories: [china.id],
      authors: [author.id],
      tags: ['经济', 'R&D <研发>'],
      publishedAt: '2026-01-10T08:00:00.000Z',
    },
  })
  const p2 = await payload.create({
    collection: 'posts',
    data: {
      ...publish,
      title: '外交新闻',
      slug: 'diplomacy',
      content: paragraphs('外交') as never,
      source: zaobao.id,
      sourceUrl: 'https://www.zaobao.com.sg/news/b',
      categories: [world.id],
      tags: ['外交'],
      publishedAt: '2026-03-05T08:00:00.000Z',
    },
  })
  const p3 = await payload.create({
    collection: 'posts',
    data: {
      ...publish,
      title: 'EMBARGOED until 2099',
      slug: 'embargoed',
      content: paragraphs('未来') as never,
      source: rfi.id,
      categories: [china.id],
      publishedAt: '2099-01-01T00:00:00.000Z',
    },
  })
  const p4 = await payload.create({
    collection: 'posts',
    data: {
      title: 'SECRET DRAFT never published',
      slug: 'secret-draft',
      content: paragraphs('草稿') as never,
      source: rfi.id,
    },
    draft: true,
  })
  const p5 = await payload.create({
    collection: 'posts',
    data: {
      ...publish,
      title: '已发布的版本',
      slug: 'revised',
      content: paragraphs('公开正文') as never,
      source: rfi.id,
      categories: [world.id],
      publishedAt: '2026-06-01T08:00:00.000Z',
    },
  })
  await payload.update({
    collection: 'posts',
    id: p5.id,
    data: { title: 'SECRET REVISION not yet published', _status: 'draft' },
    draft: true,
  })
  return { rfi, zaobao, china, world, author, p1, p2, p3, p4, p5 }
}

/** A server (no jobs) with the fixture above and the `Authorization` of a signed-in editor. */
export const startDeliveryServer = async (): Promise<{
  server: RunningServer
  fx: DeliveryFixture
  staffAuth: string
}> => {
  const server = await startTestServer({ jobs: false })
  const fx = await seedDelivery(server.payload)
  const editor = await createUser(server.payload, 'editor')
  const staffAuth = await login(server.url, editor.email, 'correct horse battery staple')
  return { server, fx, staffAuth }
}
