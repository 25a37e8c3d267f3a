import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { XMLParser, XMLValidator } from 'fast-xml-parser'

import { startTestServer } from '../helpers/server'
import type { RunningServer } from '../../src/server'
import { seedDelivery, TRICKY_TITLE, type DeliveryFixture } from './fixtures'

let server: RunningServer
let fx: DeliveryFixture

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  cdataPropName: false as never,
})
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v]

/** Decodes the five predefined entities and numeric references, as an HTML renderer would. */
const decodeHtml = (html: string) =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')

const fetchFeed = async (path: string) => {
  const res = await fetch(`${server.url}${path}`)
  const xml = await res.text()
  return { res, xml }
}

const rssItems = async (path: string) => {
  const { res, xml } = await fetchFeed(path)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8')
  expect(XMLValidator.validate(xml)).toBe(true)
  const doc = parser.parse(xml)
  return asArray(doc.rss.channel.item) as Record<string, any>[]
}

beforeAll(async () => {
  server = await startTestServer({ jobs: false })
  fx = await seedDelivery(server.payload)
})
afterAll(async () => {
  await server?.close()
})

describe('RSS feeds', () => {
  it('of all posts list only published and due posts, with full content and the credit line', async () => {
    const items = await rssItems('/feeds/posts.xml')
    expect(items.map((i) => i.title)).toEqual(['已发布的版本', '外交新闻', TRICKY_TITLE])
    const p1 = items[2]!
    expect(p1['content:encoded']).toContain(
      '<p>正文第一段：AT&amp;T 与 &lt;b&gt;中国&lt;/b&gt;</p><p>第二段</p>',
    )
    expect(p1['content:encoded']).toContain('法广 RFI')
    expect(p1['content:encoded']).toContain('© RFI — 转载须注明出处 &amp; 链接')
    expect(p1.link).toBe('https://www.rfi.fr/cn/a?x=1&y=2')
    expect(asArray(p1.category)).toEqual(['中国', '经济', 'R&D <研发>'])
    expect(new Date(p1.pubDate).toISOString()).toBe('2026-01-10T08:00:00.000Z')
  })

  it('round-trip a Chinese title with entities through a real XML parser', async () => {
    const { xml } = await fetchFeed('/feeds/sources/rfi.xml')
    const titles = asArray(parser.parse(xml).rss.channel.item).map((i: any) => i.title)
    expect(titles).toContain(TRICKY_TITLE)
  })

  it('per source list only that source', async () => {
    const items = await rssItems('/feeds/sources/zaobao.xml')
    expect(items.map((i) => i.title)).toEqual(['外交新闻'])
  })

  it('per category list only that category, never the embargoed post', async () => {
    const items = await rssItems('/feeds/categories/china.xml')
    expect(items.map((i) => i.title)).toEqual([TRICKY_TITLE])
    expect(JSON.stringify(items)).not.toMatch(/EMBARGOED|SECRET/)
  })

  it('answer 404 for an unknown slug or feed', async () => {
    for (const path of [
      '/feeds/sources/nope.xml',
      '/feeds/categories/nope.atom',
      '/feeds/other.xml',
      '/feeds/sources/rfi.json',
    ]) {
      expect((await fetchFeed(path)).res.status).toBe(404)
    }
  })

  it('are cacheable and answer 304 to a repeat with the ETag or Last-Modified', async () => {
    const { res } = await fetchFeed('/feeds/posts.xml')
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=/)
    const etag = res.headers.get('etag')!
    const lastModified = res.headers.get('last-modified')!
    expect(lastModified).toBeTruthy()
    expect(
      (await fetch(`${server.url}/feeds/posts.xml`, { headers: { 'if-none-match': etag } })).status,
    ).toBe(304)
    expect(
      (
        await fetch(`${server.url}/feeds/posts.xml`, {
          headers: { 'if-modified-since': lastModified },
        })
      ).status,
    ).toBe(304)
  })

  it('show a newly published post at once', async () => {
    await server.payload.update({
      collection: 'posts',
      id: fx.p4.id,
      data: { _status: 'published', editorialState: 'approved', title: '刚发布' },
    })
    const items = await rssItems('/feeds/sources/rfi.xml')
    expect(items.map((i) => i.title)).toContain('刚发布')
  })
})

describe('Atom feeds', () => {
  it('are valid, list the same posts, and keep the tricky title as text', async () => {
    const { res, xml } = await fetchFeed('/feeds/categories/china.atom')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const feed = parser.parse(xml).feed
    const entries = asArray(feed.entry) as Record<string, any>[]
    expect(entries).toHaveLength(1)
    const title = entries[0]!.title
    // type="html": the parsed value is HTML that renders as the original text.
    expect(title['@type']).toBe('html')
    expect(decodeHtml(title['#text'])).toBe(TRICKY_TITLE)
    expect(asArray(entries[0]!.category).map((c: any) => c['@label'])).toEqual([
      '中国',
      '经济',
      'R&D <研发>',
    ])
  })
})
