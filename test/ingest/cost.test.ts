import { spawn } from 'node:child_process'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Payload } from 'payload'

import { runIngest } from '../../src/ingest/run'
import { borrowIngestWorkers, closeIngestWorkers } from '../../src/ingest/workers'
import { bootPayload } from '../helpers/payload'
import { scaled, waitFor } from '../helpers/timing'
import { createSource } from './helpers'
import {
  loadArticles,
  rss,
  startFeedServer,
  toEntry,
  type Article,
  type FeedEntry,
  type FeedServer,
} from './support'

const root = path.resolve(import.meta.dirname, '../..')

describe('ingest cost: what a poll asks the database, and the workers it keeps', () => {
  let payload: Payload
  let feeds: FeedServer
  let articles: Article[]
  let cleanup: () => void
  let n = 0

  beforeAll(async () => {
    const loaded = loadArticles(12)
    articles = loaded.articles
    cleanup = loaded.cleanup
    payload = await bootPayload()
    feeds = await startFeedServer()
  }, 120_000)
  afterAll(async () => {
    await closeIngestWorkers()
    await feeds?.close()
    await payload?.destroy()
    cleanup?.()
  })

  /** A source whose feed carries these articles under new links, with these titles. */
  const sourceWith = async (
    items: { a: Article; title: string }[],
    entry: (i: number) => Partial<FeedEntry> = () => ({}),
  ) => {
    const feed = `/cost-${++n}.xml`
    feeds.serve(
      feed,
      rss(
        items.map(({ a, title }, i) => {
          const link = `${a.url}${a.url.includes('?') ? '&' : '?'}cost=${n}-${i}`
          return toEntry(a, { title, link, guid: link, ...entry(i) })
        }),
      ),
      { conditional: false },
    )
    return createSource(payload, `${feeds.base}${feed}`, {}, `Cost wire ${n}`)
  }

  /** The adapter's finds while `fn` runs: how many of `collection` asked by `field`. */
  const findsWhile = async <T>(
    fn: () => Promise<T>,
  ): Promise<{ result: T; count: (collection: string, field: string) => number }> => {
    const find = jest.spyOn(payload.db, 'find')
    try {
      const result = await fn()
      const calls = find.mock.calls.map(([args]) => args)
      return {
        result,
        count: (collection, field) =>
          calls.filter(
            (args) =>
              args.collection === collection &&
              JSON.stringify(args.where ?? {}).includes(`"${field}"`),
          ).length,
      }
    } finally {
      find.mockRestore()
    }
  }

  const slugsOf = async (ids: (number | string | undefined)[]) =>
    Promise.all(
      ids.map(
        async (id) =>
          (await payload.findByID({ collection: 'posts', id: id!, draft: true, depth: 0 })).slug,
      ),
    )

  it('a poll of N new items asks for slugs in one query', async () => {
    const items = articles.slice(0, 8).map((a, i) => ({ a, title: `A headline no post has ${i}` }))
    const source = await sourceWith(items)
    const { result, count } = await findsWhile(() =>
      runIngest({ payload, sources: [source.slug!] }),
    )
    expect(result.summary).toMatchObject({ created: 8, failed: 0 })
    expect(count('posts', 'slug')).toBe(1)
    expect(await slugsOf(result.rows.map((r) => r.id))).toEqual(
      items.map((_, i) => `a-headline-no-post-has-${i}`),
    )
  }, 120_000)

  it("a poll of N new items asks for its bylines in one query and each new one's slug in one more, and makes no category of its own outlet", async () => {
    const items = articles.slice(0, 6).map((a, i) => ({ a, title: `Bylines counted ${i}` }))
    const source = await sourceWith(items, (i) => ({ author: `Reporter ${n} ${i % 3}` }))
    const { result, count } = await findsWhile(() =>
      runIngest({ payload, sources: [source.slug!] }),
    )
    expect(result.summary).toMatchObject({ created: 6, failed: 0 })
    expect(count('authors', 'name')).toBe(1)
    expect(count('authors', 'slug')).toBe(1)
    // The outlet the items' documents name as their category is their source, not a category.
    expect(count('categories', 'name')).toBe(0)
    expect(count('categories', 'slug')).toBe(0)
    // Three reporters of this source, each made once, each post with its own.
    const posts = await Promise.all(
      result.rows.map((r) =>
        payload.findByID({ collection: 'posts', id: r.id!, draft: true, depth: 1 }),
      ),
    )
    expect(posts.map((p) => (p.authors as { name: string }[]).map((a) => a.name))).toEqual(
      items.map((_, i) => [`Reporter ${n} ${i % 3}`]),
    )
    expect(posts.map((p) => p.categories)).toEqual(items.map(() => []))
    const authors = await payload.find({
      collection: 'authors',
      where: { name: { like: `Reporter ${n} ` } },
      overrideAccess: true,
    })
    expect(authors.totalDocs).toBe(3)
  }, 120_000)

  it("a byline that several sources of one poll share gets its authors' slugs in one query", async () => {
    const byline = `Shared Reporter ${Date.now()}`
    const sources: { slug?: string | null }[] = []
    for (const [i, a] of articles.slice(3, 6).entries())
      sources.push(
        await sourceWith([{ a, title: `Shared byline ${i}` }], () => ({ author: byline })),
      )
    const { result, count } = await findsWhile(() =>
      runIngest({ payload, sources: sources.map((s) => s.slug!) }),
    )
    expect(result.summary).toMatchObject({ created: 3, failed: 0 })
    expect(count('authors', 'slug')).toBe(1)
    // One author per source (a byline matches authors of its own source only), slugs in turn.
    const authors = await payload.find({
      collection: 'authors',
      where: { name: { equals: byline } },
      sort: 'slug',
      overrideAccess: true,
    })
    const base = byline.toLowerCase().replace(/ /g, '-')
    expect(authors.docs.map((a) => a.slug)).toEqual([base, `${base}-2`, `${base}-3`])
  }, 120_000)

  it('new posts whose titles are taken get the next free slug, in feed order, as one at a time did', async () => {
    const first = await sourceWith([{ a: articles[8], title: 'Taken headline' }])
    const made = await runIngest({ payload, sources: [first.slug!] })
    expect(await slugsOf(made.rows.map((r) => r.id))).toEqual(['taken-headline'])
    // Two items with that title, then one whose own slug is the second's first choice.
    const second = await sourceWith([
      { a: articles[9], title: 'Taken headline' },
      { a: articles[10], title: 'Taken headline' },
      { a: articles[11], title: 'Taken headline 2' },
    ])
    const { result, count } = await findsWhile(() =>
      runIngest({ payload, sources: [second.slug!] }),
    )
    expect(result.summary).toMatchObject({ created: 3, failed: 0 })
    expect(await slugsOf(result.rows.map((r) => r.id))).toEqual([
      'taken-headline-2',
      'taken-headline-3',
      'taken-headline-2-2',
    ])
    // The bases, the next candidates of the base taken, the candidates of the base taken in the run.
    expect(count('posts', 'slug')).toBeLessThanOrEqual(3)
  }, 120_000)

  it('the worker pool is reused by a second ingest run', async () => {
    const one = await sourceWith([{ a: articles[0], title: 'Reused pool, first run' }])
    const first = await runIngest({ payload, sources: [one.slug!], threads: 1 })
    expect(first.summary).toMatchObject({ created: 1, failed: 0 })
    const lease = borrowIngestWorkers(1)
    const pool = await lease.pool
    const threads = pool.threadIds
    lease.release()
    expect(threads).toHaveLength(1)

    const two = await sourceWith([{ a: articles[1], title: 'Reused pool, second run' }])
    const second = await runIngest({ payload, sources: [two.slug!], threads: 1 })
    expect(second.summary).toMatchObject({ created: 1, failed: 0 })
    const again = borrowIngestWorkers(1)
    expect(await again.pool).toBe(pool)
    expect(pool.threadIds).toEqual(threads)
    again.release()
  }, 120_000)

  it('the kept pool is closed once no run has used it for its idle period, and the next run starts another', async () => {
    const lease = borrowIngestWorkers(3, 50)
    const pool = await lease.pool
    expect(pool.threadIds).toHaveLength(3)
    lease.release()
    await waitFor('the idle pool closed', async () => (pool.threads === 0 ? true : undefined))
    const next = borrowIngestWorkers(3, 50)
    const fresh = await next.pool
    expect(fresh).not.toBe(pool)
    expect(fresh.threadIds).toHaveLength(3)
    next.release()
  }, 120_000)

  it('a process that ran items on the kept pool exits at its end without closing it', async () => {
    // Borrowed and returned: the pool is kept (its idle period is minutes), yet the process ends.
    const script = `
      import { borrowIngestWorkers } from './src/ingest/workers.ts'
      const lease = borrowIngestWorkers(1)
      const pool = await lease.pool
      const read = await pool.parseFeed(new TextEncoder().encode('<rss version="2.0"><channel><title>t</title></channel></rss>'), 'application/rss+xml', 'https://example.test/feed')
      lease.release()
      console.log('threads', pool.threads, 'read', read.ok)
    `
    const started = Date.now()
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '--eval', script],
          { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
        )
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d) => (stdout += d))
        child.stderr.on('data', (d) => (stderr += d))
        child.on('close', (code) => resolve({ code, stdout, stderr }))
      },
    )
    expect(run.stderr).toBe('')
    expect(run.stdout.trim()).toBe('threads 1 read true')
    expect(run.code).toBe(0)
    // Well within the pool's idle period of minutes: nothing of it held the process.
    expect(Date.now() - started).toBeLessThan(scaled(60_000))
  }, 180_000)
})
