import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { runImport } from '../../src/importer'
import { runIngest } from '../../src/ingest/run'
import { bootPayload } from '../helpers/payload'
import { createSource, postByUrl } from './helpers'
import {
  loadArticles,
  rss,
  startFeedServer,
  toEntry,
  type Article,
  type FeedServer,
} from './support'

/**
 * Issue 19, items 1 and 2: a feed writes only its own source's posts, and an item is identified
 * within its source (guid, link as written). Each case failed on the code before the post store.
 */

const withParam = (url: string, param: string) => `${url}${url.includes('?') ? '&' : '?'}${param}`

describe('ingest ownership and identity: a feed writes only its own source’s posts', () => {
  let payload: Payload
  let feeds: FeedServer
  let articles: Article[]
  let cleanup: () => void
  let n = 0

  beforeAll(async () => {
    const loaded = loadArticles(16)
    articles = loaded.articles
    cleanup = loaded.cleanup
    payload = await bootPayload()
    feeds = await startFeedServer()
  }, 120_000)
  afterAll(async () => {
    await feeds?.close()
    await payload?.destroy()
    cleanup?.()
  })

  /** An "evil" source: an aggregator (any host allowed) whose one item links to `link`. */
  const evilPoll = async (link: string, arrivesAs: 'published' | 'in_review', byline?: string) => {
    const route = `/evil-${++n}.xml`
    feeds.serve(
      route,
      rss([
        {
          title: 'HIJACKED headline',
          link,
          guid: `evil-${n}`,
          published: Date.UTC(2026, 11, 1),
          author: byline,
          content: '<p>HIJACKED body</p>',
        },
      ]),
      { conditional: false },
    )
    const evil = await createSource(
      payload,
      `${feeds.base}${route}`,
      { arrivesAs, allowForeignHosts: true },
      `Evil Outlet ${n}`,
      [],
    )
    const report = await runIngest({ payload, sources: [evil.slug!] })
    return { evil, report }
  }

  const expectUntouched = async (
    id: number | string,
    before: { title: string; _status?: string | null; editorialState?: string | null },
    evilId: number | string,
  ) => {
    const now = await payload.findByID({ collection: 'posts', id, draft: true, depth: 0 })
    expect(now.title).toBe(before.title)
    expect(now.title).not.toMatch(/HIJACKED/)
    expect(now._status).toBe(before._status)
    expect(now.editorialState).toBe(before.editorialState)
    expect(String(now.source)).not.toBe(String(evilId))
    const versions = await payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: id } },
      overrideAccess: true,
    })
    for (const v of versions.docs) expect(v.version.title).not.toMatch(/HIJACKED/)
    const evil = await payload.findByID({ collection: 'sources', id: evilId, overrideAccess: true })
    expect(evil.hostnames ?? []).toEqual([])
  }

  for (const arrivesAs of ['published', 'in_review'] as const) {
    it(`an item linking to another source's ingested post is a duplicate naming it, and changes nothing there (evil arrives ${arrivesAs})`, async () => {
      const a = articles[arrivesAs === 'published' ? 0 : 1]
      const route = `/daily-${arrivesAs}.xml`
      feeds.serve(route, rss([toEntry(a)]), { conditional: false })
      const daily = await createSource(
        payload,
        `${feeds.base}${route}`,
        { arrivesAs: 'published' },
        `Example Daily ${arrivesAs}`,
      )
      const first = await runIngest({ payload, sources: [daily.slug!] })
      expect(first.summary.created).toBe(1)
      const [victim] = await postByUrl(payload, a.url)
      expect(victim._status).toBe('published')

      const { evil, report } = await evilPoll(withParam(a.url, 'utm_source=x'), arrivesAs)
      expect(report.rows).toHaveLength(1)
      expect(report.rows[0]).toMatchObject({ status: 'duplicate', id: victim.id })
      expect(report.rows[0].reason).toContain(`post ${victim.id}`)
      await expectUntouched(victim.id, victim, evil.id)
      expect(await postByUrl(payload, a.url)).toHaveLength(1)
    })

    it(`an item linking to an archive post of another source is a duplicate, and the post stays as readers see it (evil arrives ${arrivesAs})`, async () => {
      const a = articles[arrivesAs === 'published' ? 2 : 3]
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-archive-'))
      try {
        fs.mkdirSync(path.dirname(path.join(dir, a.file)), { recursive: true })
        fs.writeFileSync(path.join(dir, a.file), a.raw)
        const imported = await runImport({ payload, dir, status: 'published' })
        expect(imported.rows[0].status).toMatch(/created|unchanged/)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
      const [victim] = await postByUrl(payload, a.url)
      expect(victim._status).toBe('published')

      const { evil, report } = await evilPoll(withParam(a.url, 'utm_source=x'), arrivesAs)
      expect(report.rows[0]).toMatchObject({ status: 'duplicate', id: victim.id })
      await expectUntouched(victim.id, victim, evil.id)
      const anonymous = await payload.find({
        collection: 'posts',
        where: { id: { equals: victim.id } },
        overrideAccess: false,
      })
      expect(anonymous.docs.map((d) => d.title)).toEqual([victim.title])
    })
  }

  it('a byline matches authors of the polling source only', async () => {
    const a = articles[4]
    const stranger = await payload.create({
      collection: 'authors',
      data: { name: 'Jane Byline' },
      overrideAccess: true,
    })
    const route = '/byline.xml'
    feeds.serve(route, rss([toEntry(a, { author: 'Jane Byline' })]), { conditional: false })
    const source = await createSource(payload, `${feeds.base}${route}`, {}, 'Byline wire')
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.summary.created).toBe(1)
    const [post] = await postByUrl(payload, a.url)
    expect(post.authors).toHaveLength(1)
    const author = await payload.findByID({
      collection: 'authors',
      id: post.authors![0] as number,
      depth: 0,
      overrideAccess: true,
    })
    expect(author.name).toBe('Jane Byline')
    expect(author.id).not.toBe(stranger.id)
    expect(author.outlet).toBe(source.id)
  })

  it('an item linking outside the source’s hosts is refused, unless the source accepts other sites', async () => {
    const a = articles[5]
    const link = 'https://elsewhere.invalid/story/1'
    feeds.serve('/foreign.xml', rss([toEntry(a, { link, guid: undefined })]), {
      conditional: false,
    })
    const source = await createSource(payload, `${feeds.base}/foreign.xml`, {}, 'Strict wire')
    const refused = await runIngest({ payload, sources: [source.slug!] })
    expect(refused.rows).toHaveLength(1)
    expect(refused.rows[0].status).toBe('failed')
    expect(refused.rows[0].reason).toMatch(/elsewhere\.invalid.*not one of the source's hosts/)
    expect(await postByUrl(payload, link)).toHaveLength(0)

    await payload.update({
      collection: 'sources',
      id: source.id,
      data: { ingest: { allowForeignHosts: true } } as never,
      overrideAccess: true,
    })
    const allowed = await runIngest({ payload, sources: [source.slug!] })
    expect(allowed.summary.created).toBe(1)
    expect(await postByUrl(payload, link)).toHaveLength(1)
  })

  it('a podcast feed whose items all link to its homepage: one post per guid, and a second poll writes nothing', async () => {
    const home = `https://${new URL(articles[0].url).hostname}/`
    const episodes = articles
      .slice(0, 5)
      .map((a, i) =>
        toEntry(a, { link: home, guid: `episode-${i + 1}`, title: `Episode ${i + 1}` }),
      )
    feeds.serve('/podcast.xml', rss(episodes), { conditional: false })
    const source = await createSource(payload, `${feeds.base}/podcast.xml`, {}, 'A podcast')
    const first = await runIngest({ payload, sources: [source.slug!] })
    expect(first.summary).toMatchObject({ created: 5, duplicate: 0, failed: 0 })
    const posts = await payload.find({
      collection: 'posts',
      where: { source: { equals: source.id } },
      draft: true,
      overrideAccess: true,
    })
    expect(posts.docs.map((p) => p.title).sort()).toEqual(episodes.map((e) => e.title).sort())
    expect(posts.docs.map((p) => p.provenance?.guid).sort()).toEqual(
      episodes.map((e) => e.guid).sort(),
    )

    const second = await runIngest({ payload, sources: [source.slug!] })
    expect(second.summary).toMatchObject({ created: 0, updated: 0, unchanged: 5 })
  })

  it('a podcast feed whose items all link to its homepage, with permalink guids: one post per guid, and a second poll writes nothing', async () => {
    const host = new URL(articles[0].url).hostname
    const episodes = articles.slice(5, 9).map((a, i) =>
      toEntry(a, {
        link: `https://${host}/permalink-show/`,
        guid: `https://${host}/episodes/${i + 1}`,
        title: `Permalink episode ${i + 1}`,
      }),
    )
    // RSS guids are permalinks unless the feed says isPermaLink="false".
    const feed = rss(episodes).replace(/ isPermaLink="false"/g, '')
    feeds.serve('/podcast-permalinks.xml', feed, { conditional: false })
    const source = await createSource(
      payload,
      `${feeds.base}/podcast-permalinks.xml`,
      {},
      'A permalink podcast',
    )
    const first = await runIngest({ payload, sources: [source.slug!] })
    expect(first.summary).toMatchObject({ created: 4, duplicate: 0, failed: 0 })
    const posts = await payload.find({
      collection: 'posts',
      where: { source: { equals: source.id } },
      draft: true,
      overrideAccess: true,
    })
    expect(posts.docs.map((p) => p.title).sort()).toEqual(episodes.map((e) => e.title).sort())
    const second = await runIngest({ payload, sources: [source.slug!] })
    expect(second.summary).toMatchObject({ created: 0, updated: 0, unchanged: 4 })
  })

  it('stores the link exactly as the feed wrote it (scheme and query kept) and finds it again', async () => {
    const a = articles[13]
    const written = withParam(a.url.replace(/^https:/, 'http:'), 'rss=1')
    feeds.serve('/as-written.xml', rss([toEntry(a, { link: written, guid: undefined })]), {
      conditional: false,
    })
    const source = await createSource(payload, `${feeds.base}/as-written.xml`, {}, 'Written wire')
    const first = await runIngest({ payload, sources: [source.slug!] })
    expect(first.summary.created).toBe(1)
    const posts = await payload.find({
      collection: 'posts',
      where: { source: { equals: source.id } },
      draft: true,
      overrideAccess: true,
    })
    expect(posts.docs).toHaveLength(1)
    expect(posts.docs[0].sourceUrl).toBe(written)
    // The feed now spells it with https and a tracking parameter: the same item, unchanged.
    feeds.serve(
      '/as-written.xml',
      rss([toEntry(a, { link: withParam(written.replace(/^http:/, 'https:'), 'utm_medium=rss') })]),
      { conditional: false },
    )
    const second = await runIngest({ payload, sources: [source.slug!] })
    expect(second.summary).toMatchObject({ created: 0, duplicate: 0 })
    expect(
      (await payload.count({ collection: 'posts', where: { source: { equals: source.id } } }))
        .totalDocs,
    ).toBe(1)
  })

  it('a change to its own published archive post goes back to review: readers keep the published post', async () => {
    const a = articles[14]
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-review-'))
    try {
      fs.mkdirSync(path.dirname(path.join(dir, a.file)), { recursive: true })
      fs.writeFileSync(path.join(dir, a.file), a.raw)
      expect((await runImport({ payload, dir, status: 'published' })).summary.created).toBe(1)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
    const [post] = await postByUrl(payload, a.url)
    expect(post._status).toBe('published')
    const sourceId = typeof post.source === 'object' ? post.source!.id : post.source!
    const changed = `${a.html}<p>A correction added upstream.</p>`
    feeds.serve('/own.xml', rss([toEntry(a, { content: changed })]), { conditional: false })
    await payload.update({
      collection: 'sources',
      id: sourceId,
      data: {
        feedUrl: `${feeds.base}/own.xml`,
        // The feed is served from this machine: an admin's per-source exception.
        ingest: { enabled: true, arrivesAs: 'in_review', allowPrivateNetwork: true },
      } as never,
      overrideAccess: true,
    })
    const source = await payload.findByID({ collection: 'sources', id: sourceId })
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.rows[0]).toMatchObject({ status: 'updated', id: post.id })
    const live = await payload.findByID({ collection: 'posts', id: post.id, depth: 0 })
    expect(live._status).toBe('published')
    expect(live.contentHtml).toBe(post.contentHtml)
    const draft = await payload.findByID({ collection: 'posts', id: post.id, draft: true })
    expect(draft.editorialState).toBe('in_review')
    expect(draft.contentHtml).toContain('A correction added upstream.')
  })
})
