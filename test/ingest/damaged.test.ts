import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { runIngest } from '../../src/ingest/run'
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
import { scaled } from '../helpers/timing'

describe('live ingest: damaged and hostile feeds', () => {
  let payload: Payload
  let feeds: FeedServer
  let articles: Article[]
  let cleanup: () => void

  beforeAll(async () => {
    const loaded = loadArticles(5)
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

  const health = async (id: number | string) =>
    (await payload.findByID({ collection: 'sources', id, overrideAccess: true })).ingestStatus!

  it('a feed cut off in a CDATA keeps its complete items, warns, and is not a failure', async () => {
    const whole = rss(articles.slice(0, 3).map((a) => toEntry(a)))
    // Cut inside the last item's body: the response ended early.
    const lastItem = whole.lastIndexOf('<item>')
    const cut = whole.slice(0, lastItem + Math.floor((whole.length - lastItem) / 2))
    feeds.serve('/cut.xml', cut, { conditional: false })
    const source = await createSource(payload, `${feeds.base}/cut.xml`)
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.feeds[0]).toMatchObject({ status: 'ok' })
    expect(report.rows.map((r) => r.status)).toEqual(['created', 'created'])
    const status = await health(source.id)
    expect(status.failureStreak).toBe(0)
    expect(status.lastError).toMatch(
      /cut off or malformed: kept the 2 complete item\(s\), dropped 1/,
    )
  })

  it('a hostile item fails fast with its reason and the other items come in', async () => {
    const deep = '<div>'.repeat(400_000) + 'x' + '</div>'.repeat(400_000)
    const [a, b] = articles.slice(3)
    feeds.serve(
      '/hostile.xml',
      rss([
        toEntry(a),
        {
          title: 'Nested',
          link: 'https://feeds.example.test/nested',
          guid: 'nested',
          content: deep,
        },
        toEntry(b),
      ]),
      { conditional: false },
    )
    const source = await createSource(payload, `${feeds.base}/hostile.xml`, {}, 'Hostile wire')
    const started = performance.now()
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(performance.now() - started).toBeLessThan(scaled(30_000))
    expect(report.rows.map((r) => [r.status, r.reason ?? ''])).toEqual(
      expect.arrayContaining([
        ['failed', expect.stringMatching(/over the limit of/)],
        ['created', ''],
        ['created', ''],
      ]),
    )
    expect(report.rows).toHaveLength(3)
    expect((await health(source.id)).failureStreak).toBe(0)
  })
})
