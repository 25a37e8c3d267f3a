import zlib from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { _internal_jobSystemGlobals, _internal_resetJobSystemGlobals, type Payload } from 'payload'

import { healthReport } from '../../src/http/health'
import { countFailingSources } from '../../src/ingest/health'
import { runIngest } from '../../src/ingest/run'
import { INGEST_QUEUE, INGEST_TASK } from '../../src/ingest/task'
import { bootPayload } from '../helpers/payload'
import { createSource } from './helpers'
import {
  loadArticles,
  rss,
  startFeedServer,
  toEntry,
  type Article,
  type FeedServer,
} from './support'

const MINUTE = 60_000

describe('live ingest: feeds that fail are recorded, backed off and retried', () => {
  let payload: Payload
  let feeds: FeedServer
  let articles: Article[]
  let cleanup: () => void

  beforeAll(async () => {
    const loaded = loadArticles(4)
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

  const sourceDoc = (id: number) =>
    payload.findByID({ collection: 'sources', id, overrideAccess: true })

  it('records a 500 with a failure streak and a backed-off next poll, then recovers', async () => {
    let failing = true
    const body = rss([toEntry(articles[0])])
    feeds.route('/flaky.xml', (_req, res) => {
      if (failing) res.writeHead(500).end('boom')
      else res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body)
    })
    const source = await createSource(payload, `${feeds.base}/flaky.xml`, { intervalMinutes: 10 })
    const t0 = new Date('2030-01-01T00:00:00Z')
    const first = await runIngest({ payload, sources: [source.slug!], now: () => t0 })
    expect(first.summary.failedFeeds).toBe(1)
    expect(first.rows[0]).toMatchObject({ status: 'failed', file: `ingest/${source.slug}` })
    expect(first.rows[0].reason).toMatch(/HTTP 500/)
    let status = (await sourceDoc(source.id)).ingestStatus!
    expect(status.failureStreak).toBe(1)
    expect(status.lastError).toMatch(/HTTP 500/)
    expect(new Date(status.nextPollAt!).getTime()).toBe(t0.getTime() + 20 * MINUTE)
    const failingNow = await countFailingSources(payload)
    expect(failingNow).toBeGreaterThanOrEqual(1)
    expect((await healthReport(payload)).ingest).toEqual({ failingSources: failingNow })

    // Not due yet: a due-only run leaves it alone; the second failure doubles the wait.
    const early = await runIngest({ payload, now: () => new Date(t0.getTime() + 5 * MINUTE) })
    expect(early.feeds.map((f) => f.source)).not.toContain(source.slug)
    const t1 = new Date(t0.getTime() + 21 * MINUTE)
    await runIngest({ payload, now: () => t1 })
    status = (await sourceDoc(source.id)).ingestStatus!
    expect(status.failureStreak).toBe(2)
    expect(new Date(status.nextPollAt!).getTime()).toBe(t1.getTime() + 40 * MINUTE)

    failing = false
    const t2 = new Date(t1.getTime() + 41 * MINUTE)
    const recovered = await runIngest({ payload, now: () => t2 })
    expect(recovered.summary).toMatchObject({ failedFeeds: 0, created: 1 })
    status = (await sourceDoc(source.id)).ingestStatus!
    expect(status.failureStreak).toBe(0)
    expect(status.lastSuccessAt).toBe(t2.toISOString())
    expect(new Date(status.nextPollAt!).getTime()).toBe(t2.getTime() + 10 * MINUTE)
    expect(await countFailingSources(payload)).toBe(failingNow - 1)
  })

  it('waits as long as a 429 Retry-After asks', async () => {
    feeds.route('/busy.xml', (_req, res) => res.writeHead(429, { 'retry-after': '7200' }).end())
    const source = await createSource(payload, `${feeds.base}/busy.xml`, { intervalMinutes: 5 })
    const t0 = new Date('2030-02-01T00:00:00Z')
    await runIngest({ payload, sources: [source.slug!], now: () => t0 })
    const status = (await sourceDoc(source.id)).ingestStatus!
    expect(status.lastError).toMatch(/HTTP 429/)
    expect(new Date(status.nextPollAt!).getTime()).toBe(t0.getTime() + 7200 * 1000)
  })

  it('follows a redirect to the feed', async () => {
    feeds.serve('/moved-here.xml', rss([toEntry(articles[1])]), { conditional: false })
    feeds.route('/old.xml', (_req, res) =>
      res.writeHead(301, { location: '/moved-here.xml' }).end(),
    )
    const source = await createSource(payload, `${feeds.base}/old.xml`)
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.summary).toMatchObject({ failedFeeds: 0, created: 1 })
    expect(feeds.requestsTo('/moved-here.xml')).toHaveLength(1)
  })

  it('gives up on a redirect loop after the redirect limit', async () => {
    feeds.route('/loop.xml', (_req, res) => res.writeHead(302, { location: '/loop.xml' }).end())
    const source = await createSource(payload, `${feeds.base}/loop.xml`)
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.feeds[0].error).toMatch(/more than 5 redirects/)
    expect(feeds.requestsTo('/loop.xml')).toHaveLength(6)
  })

  it('times out on a server that never answers, without holding the other feeds', async () => {
    feeds.hang('/silent.xml')
    feeds.serve('/fine.xml', rss([toEntry(articles[2])]), { conditional: false })
    const silent = await createSource(payload, `${feeds.base}/silent.xml`)
    const fine = await createSource(payload, `${feeds.base}/fine.xml`)
    const report = await runIngest({
      payload,
      sources: [silent.slug!, fine.slug!],
      fetch: { timeoutMs: 300 },
    })
    const bySource = Object.fromEntries(report.feeds.map((f) => [f.source, f]))
    expect(bySource[silent.slug!].status).toBe('failed')
    expect(bySource[silent.slug!].error).toMatch(/no complete answer within 300 ms/)
    expect(bySource[fine.slug!].status).toBe('ok')
    expect(report.summary.created).toBe(1)
  })

  it('refuses a feed over the size limit, counted while it streams', async () => {
    const big = rss(Array.from({ length: 200 }, () => toEntry(articles[3])))
    feeds.route('/big.xml', (_req, res) => {
      // No Content-Length: the limit must hold while the body streams in.
      res.writeHead(200, { 'content-type': 'application/rss+xml' })
      res.write(big.slice(0, 1000))
      res.end(big.slice(1000))
    })
    const source = await createSource(payload, `${feeds.base}/big.xml`)
    const report = await runIngest({
      payload,
      sources: [source.slug!],
      fetch: { maxBytes: 10_000 },
    })
    expect(report.feeds[0].status).toBe('failed')
    expect(report.feeds[0].error).toMatch(/over the limit of 10000 bytes/)
    expect(report.summary.created).toBe(0)
  })

  it('reads a gzip-compressed feed served without Content-Encoding, as feed readers do', async () => {
    const a = articles[2]
    const link = `${a.url}${a.url.includes('?') ? '&' : '?'}gz=1`
    feeds.route('/feed.xml.gz', (_req, res) => {
      // A `.gz` file served as a file: no Content-Encoding, the bytes are gzip's.
      res.writeHead(200, { 'content-type': 'application/x-gzip' })
      res.end(zlib.gzipSync(rss([toEntry(a, { link, guid: link })])))
    })
    const source = await createSource(payload, `${feeds.base}/feed.xml.gz`)
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.feeds[0]).toMatchObject({ status: 'ok', items: 1 })
    expect(report.rows.map((r) => [r.status, r.sourceUrl])).toEqual([['created', link]])
  })

  it('refuses a gzip bomb served without Content-Encoding at the size limit, and a damaged gzip body with its reason', async () => {
    // 64 MB of XML-ish text in about 64 KB: decompression stops at the limit (5 MB by default).
    const bomb = zlib.gzipSync(
      Buffer.concat([Buffer.from('<rss version="2.0"><channel>'), Buffer.alloc(64 << 20, 0x20)]),
    )
    feeds.route('/bomb.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' })
      res.end(bomb)
    })
    const cut = zlib.gzipSync(rss([toEntry(articles[1])]))
    feeds.route('/cut.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' })
      res.end(cut.subarray(0, cut.length >> 1))
    })
    const bombed = await createSource(payload, `${feeds.base}/bomb.xml`)
    const damaged = await createSource(payload, `${feeds.base}/cut.xml`)
    const report = await runIngest({ payload, sources: [bombed.slug!, damaged.slug!] })
    const error = (slug: string) => report.feeds.find((f) => f.source === slug)?.error
    expect(error(bombed.slug!)).toBe('body is over the limit of 5242880 bytes (gunzipped)')
    expect(error(damaged.slug!)).toMatch(
      /^the body is gzip-compressed \(without Content-Encoding\) and does not decompress: unexpected end of file/,
    )
    expect(report.summary).toMatchObject({ created: 0, failedFeeds: 2 })
  })

  it('reports malformed XML and a page that is not a feed with a clear reason', async () => {
    feeds.serve('/broken.xml', '<rss version="2.0"><channel><item><title>x</item></channel>', {
      conditional: false,
    })
    feeds.serve('/page.html', '<!DOCTYPE html><html><body><p>Our new site!</p></body></html>', {
      type: 'text/html',
      conditional: false,
    })
    feeds.serve('/text', 'Service temporarily unavailable', {
      type: 'text/plain',
      conditional: false,
    })
    const broken = await createSource(payload, `${feeds.base}/broken.xml`)
    const page = await createSource(payload, `${feeds.base}/page.html`)
    const text = await createSource(payload, `${feeds.base}/text`)
    const report = await runIngest({ payload, sources: [broken.slug!, page.slug!, text.slug!] })
    const error = (slug: string) => report.feeds.find((f) => f.source === slug)?.error
    expect(error(broken.slug!)).toMatch(/^not a feed: XML .*malformed/)
    expect(error(page.slug!)).toMatch(/^not a feed: an HTML page/)
    expect(error(text.slug!)).toMatch(/^not a feed: not XML or JSON/)
    expect(report.summary.failedFeeds).toBe(3)
    const status = (await sourceDoc(text.id)).ingestStatus!
    expect(status.failureStreak).toBe(1)
  })

  it('fetches nothing from a private address unless an admin allowed it for the source', async () => {
    feeds.serve('/private.xml', rss([toEntry(articles[0])]), { conditional: false })
    const source = await createSource(payload, `${feeds.base}/private.xml`, {
      allowPrivateNetwork: false,
    })
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.feeds[0].error).toMatch(/127\.0\.0\.1 is a private\/loopback\/link-local address/)
    expect(feeds.requestsTo('/private.xml')).toHaveLength(0)
  })

  it('an item without a link, and a repeated item, get one row each', async () => {
    const a = articles[1]
    feeds.serve(
      '/odd.xml',
      rss([
        toEntry(a, { link: `${a.url}${a.url.includes('?') ? '&' : '?'}odd=1`, guid: 'same-guid' }),
        toEntry(a, { link: `${a.url}${a.url.includes('?') ? '&' : '?'}odd=1`, guid: 'same-guid' }),
        { title: 'No link at all', content: '<p>text</p>', link: '', guid: 'tag:x,2025:1' },
      ]),
      { conditional: false },
    )
    const source = await createSource(payload, `${feeds.base}/odd.xml`)
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.rows.map((r) => r.status).sort()).toEqual(['created', 'duplicate', 'failed'])
    expect(report.rows.find((r) => r.status === 'failed')?.reason).toMatch(/no article URL/)
  })

  it('the ingestFeeds job polls the sources that are due', async () => {
    feeds.serve(
      '/job.xml',
      rss([
        toEntry(articles[2], {
          link: `${articles[2].url}${articles[2].url.includes('?') ? '&' : '?'}job=1`,
        }),
      ]),
      {
        conditional: false,
      },
    )
    // Every other source is pushed into the future, so only this one is due.
    const all = await payload.find({ collection: 'sources', limit: 100, overrideAccess: true })
    for (const s of all.docs)
      await payload.db.updateOne({
        collection: 'sources',
        id: s.id,
        data: { ingestStatus: { ...s.ingestStatus, nextPollAt: '2100-01-01T00:00:00.000Z' } },
        returning: false,
      })
    // Nothing due: the scheduler queues nothing and writes nothing (not even its stats).
    await payload.jobs.handleSchedules({ queue: INGEST_QUEUE })
    expect(
      (await payload.count({ collection: 'payload-jobs', overrideAccess: true })).totalDocs,
    ).toBe(0)
    const stats = (await payload.db.findGlobal({ slug: 'payload-jobs-stats' })) as {
      stats?: unknown
    }
    expect(stats?.stats ?? null).toBeNull()

    const due = await createSource(payload, `${feeds.base}/job.xml`)
    // Payload's scheduler queues the task on the ingest queue; the queue's runner runs it.
    await payload.jobs.handleSchedules({ queue: INGEST_QUEUE })
    const queued = await payload.find({
      collection: 'payload-jobs',
      where: { taskSlug: { equals: INGEST_TASK } },
      overrideAccess: true,
    })
    expect(queued.docs).toHaveLength(1)
    expect(queued.docs[0].queue).toBe(INGEST_QUEUE)
    // The scheduler queued it for the cron's next minute: the jobs clock is moved past it.
    const waitUntil = new Date(queued.docs[0].waitUntil!)
    _internal_jobSystemGlobals.getCurrentDate = () => new Date(waitUntil.getTime() + 1000)
    try {
      await payload.jobs.run({ queue: INGEST_QUEUE })
    } finally {
      _internal_resetJobSystemGlobals()
    }
    expect(feeds.requestsTo('/job.xml')).toHaveLength(1)
    const status = (await sourceDoc(due.id as number)).ingestStatus!
    expect(status.lastSuccessAt).toBeTruthy()
    expect(status.itemsLast24h).toBe(1)
    const others = await payload.find({
      collection: 'sources',
      where: { id: { not_equals: due.id } },
      limit: 100,
      overrideAccess: true,
    })
    for (const s of others.docs) expect(s.ingestStatus?.nextPollAt).toBe('2100-01-01T00:00:00.000Z')
  })
})
