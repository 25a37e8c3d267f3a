import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Payload } from 'payload'

import { runImport } from '../../src/importer'
import { runIngest } from '../../src/ingest/run'
import { bootPayload, createUser } from '../helpers/payload'
import { createSource, expectSameAsImporter, importerDraft, postByUrl } from './helpers'
import {
  articlePage,
  atom,
  jsonFeed,
  loadArticles,
  rdf,
  rss,
  startFeedServer,
  toEntry,
  type Article,
  type FeedServer,
} from './support'

describe('live ingest: feed items become the posts the importer would make', () => {
  let payload: Payload
  let feeds: FeedServer
  let articles: Article[]
  let cleanup: () => void

  beforeAll(async () => {
    const loaded = loadArticles(16)
    articles = loaded.articles
    cleanup = loaded.cleanup
    console.log(
      `ingest pipeline test: ${articles.length} posts of "${articles[0]?.outlet}" from the ${loaded.from}`,
    )
    payload = await bootPayload()
    feeds = await startFeedServer()
  }, 120_000)
  afterAll(async () => {
    await feeds?.close()
    await payload?.destroy()
    cleanup?.()
  })

  it('turns every item of an RSS feed with full content into one post, as the importer would', async () => {
    expect(articles.length).toBeGreaterThanOrEqual(8)
    const items = articles.slice(0, 4)
    const category = await payload.create({
      collection: 'categories',
      data: { name: 'Wire copy' },
      overrideAccess: true,
    })
    feeds.serve('/rss.xml', rss(items.map((a) => toEntry(a))), { etag: '"v1"' })
    const source = await createSource(
      payload,
      `${feeds.base}/rss.xml`,
      {
        defaultCategories: [category.id],
      },
      items[0].outlet,
    )

    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.summary).toMatchObject({ created: 4, failed: 0, failedFeeds: 0 })
    expect(report.rows.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created'])
    for (const a of items) {
      const post = await expectSameAsImporter(payload, a)
      expect(post.editorialState).toBe('in_review')
      expect(post._status).toBe('draft')
      expect(post.source).toBe(source.id)
      expect(post.categories).toContain(category.id)
      const draft = importerDraft(a.raw, a.file)
      expect(post.authors).toHaveLength(draft.authors.length)
    }

    const after = await payload.findByID({
      collection: 'sources',
      id: source.id,
      overrideAccess: true,
    })
    expect(after.ingestStatus).toMatchObject({ failureStreak: 0, itemsLast24h: 4, etag: '"v1"' })
    expect(after.ingestStatus?.lastSuccessAt).toBeTruthy()
  })

  it('sends the validators on the next poll, and a 304 writes no post', async () => {
    const source = (
      await payload.find({
        collection: 'sources',
        where: { feedUrl: { like: '/rss.xml' } },
        overrideAccess: true,
      })
    ).docs[0]
    const postsBefore = await payload.count({ collection: 'posts', overrideAccess: true })
    const report = await runIngest({ payload, sources: [source.slug!] })
    const last = feeds.requestsTo('/rss.xml').at(-1)!
    expect(last.headers['if-none-match']).toBe('"v1"')
    expect(last.headers['user-agent']).toMatch(/^NewsroomCMS\//)
    expect(report.feeds[0]).toMatchObject({ status: 'not-modified', httpStatus: 304 })
    expect(report.rows).toEqual([])
    expect(await payload.count({ collection: 'posts', overrideAccess: true })).toEqual(postsBefore)
  })

  it('a second poll of an unchanged feed without validators creates and updates nothing', async () => {
    const items = articles.slice(4, 7)
    feeds.serve('/plain.xml', rss(items.map((a) => toEntry(a))), { conditional: false })
    const source = await createSource(
      payload,
      `${feeds.base}/plain.xml`,
      {},
      items[0].outlet + ' plain',
    )
    const first = await runIngest({ payload, sources: [source.slug!] })
    expect(first.summary.created).toBe(3)
    const stamps = await Promise.all(
      items.map(async (a) => (await postByUrl(payload, a.url))[0].updatedAt),
    )
    const second = await runIngest({ payload, sources: [source.slug!] })
    expect(second.summary).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 0 })
    const again = await Promise.all(
      items.map(async (a) => (await postByUrl(payload, a.url))[0].updatedAt),
    )
    expect(again).toEqual(stamps)
  })

  it('creates the item a feed gains between two polls, and updates exactly the item edited upstream', async () => {
    const [a, b, c] = articles.slice(7, 10)
    feeds.serve('/grows.xml', rss([toEntry(a), toEntry(b)]), { conditional: false })
    const source = await createSource(payload, `${feeds.base}/grows.xml`, {}, a.outlet + ' grows')
    await runIngest({ payload, sources: [source.slug!] })
    const before = await postByUrl(payload, b.url)

    const editedHtml = `${b.html}<p>Correction: an earlier version of this story misspelled a name.</p>`
    feeds.serve('/grows.xml', rss([toEntry(c), toEntry(a), toEntry(b, { content: editedHtml })]), {
      conditional: false,
    })
    const report = await runIngest({ payload, sources: [source.slug!] })
    const byUrl = Object.fromEntries(report.rows.map((r) => [r.sourceUrl, r.status]))
    expect(report.summary).toMatchObject({ created: 1, updated: 1, unchanged: 1, failed: 0 })
    const after = await postByUrl(payload, b.url)
    expect(after).toHaveLength(1)
    expect(after[0].id).toBe(before[0].id)
    expect(after[0].contentHtml).toContain('Correction: an earlier version')
    expect(Object.values(byUrl)).toEqual(
      expect.arrayContaining(['created', 'updated', 'unchanged']),
    )
    await expectSameAsImporter(payload, c)
  })

  it('never overwrites a post staff have edited: the upstream change is a conflict', async () => {
    const [a] = articles.slice(10, 11)
    feeds.serve('/conflict.xml', rss([toEntry(a)]), { conditional: false })
    const source = await createSource(
      payload,
      `${feeds.base}/conflict.xml`,
      {},
      a.outlet + ' conflict',
    )
    await runIngest({ payload, sources: [source.slug!] })
    const [post] = await postByUrl(payload, a.url)
    const editor = await createUser(payload, 'editor')
    // The desk edits a minute later (a save within EDIT_GRACE_MS of the write is the importer's own,
    // src/store/plan.ts). Only Date moves: Payload's timers run as usual.
    jest.useFakeTimers({
      now: Date.now() + 60_000,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    })
    try {
      await payload.update({
        collection: 'posts',
        id: post.id,
        data: { title: 'Headline rewritten by the desk' },
        user: editor,
        overrideAccess: false,
        draft: true,
      })
    } finally {
      jest.useRealTimers()
    }
    feeds.serve('/conflict.xml', rss([toEntry(a, { title: `${a.title} (updated)` })]), {
      conditional: false,
    })
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.rows[0]).toMatchObject({ status: 'conflict', id: post.id })
    expect(report.rows[0].reason).toMatch(/staff have edited/)
    const [kept] = await postByUrl(payload, a.url)
    expect(kept.title).toBe('Headline rewritten by the desk')
    // Editors see it on the source, without the feed counting as failing.
    const health = (
      await payload.findByID({ collection: 'sources', id: source.id, overrideAccess: true })
    ).ingestStatus
    expect(health?.failureStreak).toBe(0)
    expect(health?.lastError).toMatch(/1 item\(s\) not brought in, e\.g\. .*staff have edited/)
  })

  it('an item already in the archive is unchanged, never a second post', async () => {
    const items = articles.slice(11, 14)
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-archive-'))
    try {
      for (const a of items) {
        fs.mkdirSync(path.dirname(path.join(dir, a.file)), { recursive: true })
        fs.writeFileSync(path.join(dir, a.file), a.raw)
      }
      const imported = await runImport({ payload, dir, status: 'published' })
      expect(imported.summary.created).toBe(3)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
    const total = await payload.count({ collection: 'posts', overrideAccess: true })
    feeds.serve('/archived.xml', rss(items.map((a) => toEntry(a))), { conditional: false })
    const source = await createSource(
      payload,
      `${feeds.base}/archived.xml`,
      {},
      items[0].outlet,
    ).catch(
      async () =>
        (
          await payload.find({
            collection: 'sources',
            where: { name: { equals: items[0].outlet } },
            overrideAccess: true,
          })
        ).docs[0],
    )
    await payload.update({
      collection: 'sources',
      id: source.id,
      data: { feedUrl: `${feeds.base}/archived.xml` } as never,
      overrideAccess: true,
    })
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.summary).toMatchObject({ unchanged: 3, created: 0, updated: 0, failed: 0 })
    expect(await payload.count({ collection: 'posts', overrideAccess: true })).toEqual(total)
  })

  it('reads Atom, RSS 1.0 (RDF) and JSON Feed into the same posts', async () => {
    const formats = [
      ['/atom.xml', atom, 'application/atom+xml'],
      ['/rdf.xml', rdf, 'application/rdf+xml'],
      ['/feed.json', jsonFeed, 'application/feed+json'],
    ] as const
    const pool = articles.slice(14)
    for (const [i, [p, build, type]] of formats.entries()) {
      const a = pool[i % pool.length]
      const entry = toEntry(a, { link: `${a.url}${a.url.includes('?') ? '&' : '?'}format=${i}` })
      feeds.serve(p, build([entry]), { type, conditional: false })
      const source = await createSource(payload, `${feeds.base}${p}`, {}, `${a.outlet} ${p}`)
      const report = await runIngest({ payload, sources: [source.slug!] })
      expect(report.summary).toMatchObject({ created: 1, failed: 0 })
      const expected = importerDraft(
        a.raw.replace(`from: ${a.parsed.frontMatter.from}`, `from: ${entry.link}`),
        a.file,
      )
      const [post] = await postByUrl(payload, entry.link)
      expect(post.title).toBe(expected.title)
      expect(post.contentHtml).toBe(expected.contentHtml)
      expect(new Date(post.publishedAt!).toISOString()).toBe(expected.publishedAt)
    }
  })

  it('fetches the article page of a summary-only feed and keeps the article, as the importer does with a scraped page', async () => {
    // An article page's article is long enough for a reader view (READER_VIEW_MIN_CHARS): under it,
    // the importer keeps the whole page and says so.
    const more =
      '<p>The organisers said the count was taken at each of the meeting points along the river, and that the figures will be published with the report of the city council next month, together with the list of the places where most of the rubbish was found.</p>'
    const items = articles.slice(0, 2).map((a, i) => ({
      ...a,
      html: `${a.html}\n${more}`,
      url: `${feeds.base}/articles/${i}.html`,
    }))
    for (const [i, a] of items.entries())
      feeds.serve(`/articles/${i}.html`, articlePage(a), { type: 'text/html; charset=utf-8' })
    feeds.serve(
      '/summary.xml',
      rss(items.map((a) => toEntry(a, { content: undefined, summary: 'A short summary.' }))),
      { conditional: false },
    )
    const source = await createSource(
      payload,
      `${feeds.base}/summary.xml`,
      { fetchFullArticle: true },
      'Summary wire',
    )
    // The article pages are on this machine too: a source's private-network setting never covers
    // them, so the test run opens every fetch.
    const report = await runIngest({
      payload,
      sources: [source.slug!],
      fetch: { allowPrivate: true },
    })
    expect(report.summary).toMatchObject({ created: 2, failed: 0 })
    for (const [i, a] of items.entries()) {
      // The same page in the archive's scraped-page form.
      const raw = [
        '---',
        `title: ${JSON.stringify(a.title)}`,
        `date: ${new Date(a.published).toISOString()}`,
        ...(a.author ? [`author: ${JSON.stringify(a.author)}`] : []),
        `from: ${a.url}`,
        'tags: [ "Summary wire" ]',
        'categories: [ "Summary wire" ]',
        '---',
        `<!--${a.published}-->`,
        `[${a.title}](${a.url})`,
        '------',
        '',
        articlePage(a),
        '',
      ].join('\n')
      const expected = importerDraft(raw, `summary-${i}.md`)
      const post = await expectSameAsImporter(payload, a, expected)
      expect(post.contentHtml).not.toContain('All rights reserved')
      expect(post.contentHtml).not.toContain('A short summary.')
    }
    expect(feeds.requestsTo('/articles/0.html')).toHaveLength(1)
    // Unchanged summaries: the pages are not fetched again.
    await runIngest({ payload, sources: [source.slug!] })
    expect(feeds.requestsTo('/articles/0.html')).toHaveLength(1)
  })

  it('publishes at once when the source says so', async () => {
    const a = articles[3]
    const entry = toEntry(a, { link: `${a.url}${a.url.includes('?') ? '&' : '?'}published=1` })
    feeds.serve('/published.xml', rss([entry]), { conditional: false })
    const source = await createSource(
      payload,
      `${feeds.base}/published.xml`,
      { arrivesAs: 'published' },
      'Published wire',
    )
    await runIngest({ payload, sources: [source.slug!] })
    const [post] = await postByUrl(payload, entry.link)
    expect(post._status).toBe('published')
    expect(post.editorialState).toBe('approved')
    const anonymous = await payload.find({
      collection: 'posts',
      where: { id: { equals: post.id } },
      overrideAccess: false,
    })
    expect(anonymous.docs.length).toBe(new Date(post.publishedAt!) <= new Date() ? 1 : 0)
  })
})
