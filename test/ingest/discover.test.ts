import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { discoverFeeds } from '../../src/ingest/discover'
import type { RunningServer } from '../../src/server'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'
import { startFeedServer, type FeedServer } from './support'

const HOME = `<!doctype html><html><head><meta charset="utf-8"><title>联合早报</title>
<link rel="stylesheet" href="/site.css">
<link rel="alternate" type="application/rss+xml" title="即时新闻" href="/rss/realtime.xml">
<link rel="alternate" type="application/atom+xml" href="https://feeds.example.test/atom">
<link rel="Alternate" type="application/feed+json; charset=utf-8" title="JSON" href="feed.json">
<link rel="alternate" type="application/rss+xml" href="/rss/realtime.xml">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><a rel="alternate" type="application/rss+xml" href="/not-a-link-tag.xml">RSS</a></body></html>`

describe('feeds announced by a home page', () => {
  it('lists RSS, Atom and JSON Feed links, absolute, once each, in page order', () => {
    expect(discoverFeeds(HOME, 'https://www.example.test/news/')).toEqual([
      {
        url: 'https://www.example.test/rss/realtime.xml',
        type: 'application/rss+xml',
        title: '即时新闻',
      },
      { url: 'https://feeds.example.test/atom', type: 'application/atom+xml' },
      {
        url: 'https://www.example.test/news/feed.json',
        type: 'application/feed+json',
        title: 'JSON',
      },
    ])
  })

  it('resolves relative links against the page’s <base href>', () => {
    const html = `<head><base href="https://cdn.example.test/site/"><link rel="alternate" type="application/atom+xml" href="atom.xml"></head>`
    expect(discoverFeeds(html, 'https://www.example.test/')).toEqual([
      { url: 'https://cdn.example.test/site/atom.xml', type: 'application/atom+xml' },
    ])
  })

  it('finds nothing on a page that announces no feed', () => {
    expect(discoverFeeds('<html><head><title>x</title></head></html>', 'https://a.test/')).toEqual(
      [],
    )
  })
})

describe('POST /api/newsroom/sources/:id/discover-feeds', () => {
  let server: RunningServer
  let site: FeedServer
  let editor: string
  let writer: string
  const sources: Record<string, number> = {}

  beforeAll(async () => {
    server = await startTestServer()
    site = await startFeedServer()
    site.serve('/', HOME, { type: 'text/html; charset=utf-8' })
    const { payload } = server
    await createUser(payload, 'editor', 'editor@discover.test')
    await createUser(payload, 'writer', 'writer@discover.test')
    editor = await login(server.url, 'editor@discover.test', 'correct horse battery staple')
    writer = await login(server.url, 'writer@discover.test', 'correct horse battery staple')
    const make = async (name: string, homepage: string | undefined, allowPrivate: boolean) =>
      (
        await payload.create({
          collection: 'sources',
          data: { name, homepage, ingest: { allowPrivateNetwork: allowPrivate } } as never,
          overrideAccess: true,
        })
      ).id as number
    // The test's site is on this machine: only a source that allows its private network may read it.
    sources.internal = await make('Internal wire', `${site.base}/`, true)
    sources.public = await make('Public outlet', `${site.base}/`, false)
    sources.none = await make('No homepage', undefined, false)
  })
  afterAll(async () => {
    await site?.close()
    await server?.close()
  })

  const discover = (id: number, authorization?: string) =>
    fetch(`${server.url}/api/newsroom/sources/${id}/discover-feeds`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
    })

  it('shows an editor the feeds of the source’s home page and saves nothing', async () => {
    const res = await discover(sources.internal, editor)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { candidates: { url: string }[]; fetched: string }
    expect(body.fetched).toBe(`${site.base}/`)
    expect(body.candidates.map((c) => c.url)).toEqual([
      `${site.base}/rss/realtime.xml`,
      'https://feeds.example.test/atom',
      `${site.base}/feed.json`,
    ])
    const source = await server.payload.findByID({
      collection: 'sources',
      id: sources.internal,
      overrideAccess: true,
    })
    expect(source.feedUrl ?? null).toBeNull()
  })

  it('refuses a home page on a private address, as ingest does (SSRF)', async () => {
    const before = site.requestsTo('/').length
    const res = await discover(sources.public, editor)
    expect(res.status).toBe(502)
    expect(JSON.stringify(await res.json())).toContain('(blocked)')
    expect(site.requestsTo('/').length).toBe(before)
  })

  it('asks for a homepage first when the source has none', async () => {
    const res = await discover(sources.none, editor)
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toContain('set its homepage first')
  })

  it('is refused to writers and anonymous callers', async () => {
    expect((await discover(sources.internal, writer)).status).toBe(403)
    expect((await discover(sources.internal)).status).toBe(401)
  })
})
