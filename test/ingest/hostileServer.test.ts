import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { runIngest } from '../../src/ingest/run'
import { MAX_ITEM_IMAGES } from '../../src/feeds/limits'
import { borrowIngestWorkers, ingestThreads, keptIngestWorkers } from '../../src/ingest/workers'
import type { RunningServer } from '../../src/server'
import { scaled } from '../helpers/timing'
import { startTestServer } from '../helpers/server'
import { createSource } from './helpers'
import { loadArticles, rss, startFeedServer, toEntry, type FeedServer } from './support'

/**
 * Issue 19, item 9: a hostile item must not stall the server. The feed is ingested by the process
 * that serves readers (as the server's job does), while a reader asks for the newest post again and
 * again: every answer must come within a bound that scales with the machine's load, the hostile
 * items fail alone with their reasons, and the run ends.
 */
describe('a hostile item does not stall the server that ingests it', () => {
  let server: RunningServer
  /** The last test shuts the server down itself. */
  let closed = false
  let feeds: FeedServer
  let cleanup: () => void
  let articles: ReturnType<typeof loadArticles>['articles']

  beforeAll(async () => {
    const loaded = loadArticles(2)
    articles = loaded.articles
    cleanup = loaded.cleanup
    server = await startTestServer()
    feeds = await startFeedServer()
  }, 120_000)
  afterAll(async () => {
    await feeds?.close()
    if (!closed) await server?.close()
    cleanup?.()
  })

  /** One reader's `GET /api/posts?limit=1`: its time in ms (it must answer 200). */
  const readerRequest = async (): Promise<number> => {
    const started = performance.now()
    const res = await fetch(`${server.url}/api/posts?limit=1`)
    await res.arrayBuffer()
    expect(res.status).toBe(200)
    return performance.now() - started
  }

  it('answers readers while a 400,000-deep item, a 20,000-image item and a 1.2 MB item are ingested', async () => {
    const { payload } = server
    // 4.4 MB of nested <div>: over the size cap, refused before it is parsed.
    const deep = '<div>'.repeat(400_000) + 'x' + '</div>'.repeat(400_000)
    // Just under the caps, ordinary markup: a long transform, which must not run on this thread.
    const paragraph = (i: number) =>
      `<p>Paragraph ${i}: the council met on Tuesday to discuss <b>the budget</b> and <a href="https://news.example.test/plan-${i}">the plan</a> for the roads.</p>`
    let long = ''
    for (let i = 0; long.length < 1_200_000; i++) long += paragraph(i)
    const flood = Array.from(
      { length: 20_000 },
      (_, i) => `<img src="https://img.example.test/flood/${i}.jpg">`,
    ).join('')
    const [a, b] = articles
    const host = new URL(a.url).host
    // Two feeds, each under the body limit (5 MB), polled in one run.
    feeds.serve(
      '/hostile.xml',
      rss([
        toEntry(a),
        { title: 'Nested', link: `https://${host}/nested`, guid: 'nested', content: deep },
      ]),
      { conditional: false },
    )
    feeds.serve(
      '/long.xml',
      rss([
        { title: 'Flood', link: `https://${host}/flood`, guid: 'flood', content: flood },
        { title: 'Long', link: `https://${host}/long`, guid: 'long', content: long },
        toEntry(b),
      ]),
      { conditional: false },
    )
    const hosts = [host, new URL(b.url).host]
    const hostile = await createSource(payload, `${feeds.base}/hostile.xml`, {}, 'Hostile', hosts)
    const heavy = await createSource(payload, `${feeds.base}/long.xml`, {}, 'Heavy', hosts)

    await readerRequest() // warm
    const times: number[] = []
    let done = false
    const ingest = runIngest({
      payload,
      sources: [hostile.slug!, heavy.slug!],
      // The long item's transform on a loaded machine: it must not be stopped here.
      itemTimeoutMs: scaled(120_000),
    }).finally(() => {
      done = true
    })
    while (!done) times.push(await readerRequest())
    const report = await ingest

    // The reader is answered throughout the run, not once before and once after: with the items
    // transformed on this thread (checked), 3 answers came in the whole run, each after 1.8 s. With
    // them in workers, thousands come, nine in ten within milliseconds. What is left on this thread
    // is bounded by the item caps: the store's INSERT of the 1.2 MB item (SQLite runs in-process)
    // holds it for 0.6-0.8 s on a quiet machine, several seconds on a loaded one.
    const sorted = [...times].sort((x, y) => x - y)
    const p90 = sorted[Math.floor(sorted.length * 0.9)]
    const seen = `${times.length} answers, 90% within ${Math.round(p90)} ms, the slowest ${Math.round(sorted.at(-1)!)} ms`
    expect({ seen, answeredThroughout: times.length > 10 }).toEqual({
      seen,
      answeredThroughout: true,
    })
    expect({ seen, p90Bounded: p90 < scaled(250) }).toEqual({ seen, p90Bounded: true })
    expect({ seen, slowestBounded: sorted.at(-1)! < scaled(3000) }).toEqual({
      seen,
      slowestBounded: true,
    })

    const byTitle = Object.fromEntries(
      report.rows.map((r) => [r.file.split('/').pop(), [r.status, r.reason ?? '']]),
    )
    expect(byTitle.nested).toEqual(['failed', expect.stringMatching(/over the limit of 2000000/)])
    expect(byTitle.flood).toEqual([
      'failed',
      `the item has more than ${MAX_ITEM_IMAGES} images (the limit per item)`,
    ])
    expect(byTitle.long).toEqual(['created', ''])
    expect(report.rows.filter((r) => r.status === 'created')).toHaveLength(3)
    expect(report.feeds.map((f) => f.status)).toEqual(['ok', 'ok'])
    // No media row for the flood's images.
    const media = await payload.count({
      collection: 'media',
      where: { externalUrl: { like: 'img.example.test/flood' } },
      overrideAccess: true,
    })
    expect(media.totalDocs).toBe(0)
    for (const id of [hostile.id, heavy.id])
      expect(
        (await payload.findByID({ collection: 'sources', id })).ingestStatus!.failureStreak,
      ).toBe(0)
  }, 300_000)

  it('stops an item whose transform runs past its deadline: it fails with the reason, the feed does not', async () => {
    const { payload } = server
    const [, b] = articles
    const host = new URL(b.url).host
    let long = ''
    // Under 256 KB: the feed is read on this thread, the item transformed on the pool.
    for (let i = 0; long.length < 200_000; i++)
      long += `<p>Paragraph ${i}: <a href="https://${host}/x-${i}">a link</a> and some words.</p>`
    feeds.serve(
      '/slow.xml',
      rss([{ title: 'Slow', link: `https://${host}/slow`, guid: 'slow', content: long }]),
      { conditional: false },
    )
    const source = await createSource(payload, `${feeds.base}/slow.xml`, {}, 'Slow', [host])
    // A deadline no transform of 200 KB can meet: the worker is stopped, whatever the machine.
    const report = await runIngest({ payload, sources: [source.slug!], itemTimeoutMs: 1 })
    expect(report.rows.map((r) => [r.file.split('/').pop(), r.status, r.reason])).toEqual([
      [
        'slow',
        'failed',
        expect.stringMatching(
          /^transform failed: the transform took longer than \d+ s \(stopped\)$/,
        ),
      ],
    ])
    expect(report.feeds[0]).toMatchObject({ status: 'ok' })
    expect(
      (await payload.findByID({ collection: 'sources', id: source.id })).ingestStatus!
        .failureStreak,
    ).toBe(0)
  }, 300_000)
  it('the server keeps the item workers between ingest runs and closes them when it shuts down', async () => {
    // The runs above transformed items: their pool is the process's now, kept after them.
    expect(keptIngestWorkers().pools).toBe(1)
    const lease = borrowIngestWorkers(ingestThreads())
    const pool = await lease.pool
    lease.release()
    expect(pool.threads).toBeGreaterThan(0)
    closed = true
    await server.close()
    expect(pool.threads).toBe(0)
    expect(keptIngestWorkers().pools).toBe(0)
  }, 120_000)
})
