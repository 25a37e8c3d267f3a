import { describe, expect, it } from '@jest/globals'

import { transformParsed } from '../../src/importer/transform'
import { itemHash, toParsedFile } from '../../src/ingest/item'
import { parseFeedDocument } from '../../src/feeds/parse'

const FEED_URL = 'https://feeds.example.test/rss.xml'

/** Ingest hands the importer a structured document, never Markdown text to parse again. */
describe('a feed item as the importer’s parsed document', () => {
  const feed = parseFeedDocument(
    '<rss version="2.0"><channel><title>T</title><item><title>Undated</title><link>https://news.example.test/u</link><description>&lt;p&gt;Body text.&lt;/p&gt;</description></item><item><title>Dated &amp; "quoted"\nover two lines</title><link>https://news.example.test/d?rss=1</link><guid isPermaLink="false">tag:d</guid><author>desk@example.test (Li Wei)</author><pubDate>Tue, 11 Feb 2025 05:00:20 +0900</pubDate><description>&lt;p&gt;Dated body.&lt;/p&gt;</description></item></channel></rss>',
    FEED_URL,
  )
  const [undated, dated] = feed.items

  it('an undated item gets the time it was first seen, and its identity does not change from poll to poll', () => {
    const at = (iso: string) =>
      toParsedFile({
        item: undated,
        file: 'ingest/wire/u',
        url: undated.link!,
        outlet: 'Wire',
        seenAt: new Date(iso),
      })
    const hash = itemHash(undated, undated.link!, 'Wire')
    const result = transformParsed(at('2025-03-01T08:00:00Z'), hash)
    expect(result.ok && result.draft.publishedAt).toBe('2025-03-01T08:00:00.000Z')
    expect(result.ok && result.draft.warnings).toContain('feed had no date (<!--NaN-->)')
    expect(result.ok && result.draft.provenance.contentHash).toBe(hash)
    expect(at('2025-03-02T08:00:00Z').rawDate).not.toBe(at('2025-03-01T08:00:00Z').rawDate)
    expect(itemHash(undated, undated.link!, 'Wire')).toBe(hash)
  })

  it('carries the title, byline, date, link as written and outlet the archive’s form of the item carried', () => {
    const parsed = toParsedFile({
      item: { ...dated, author: ' Li  Wei ' },
      file: 'ingest/wire/d',
      url: dated.link!,
      outlet: 'Wire',
    })
    expect(parsed).toMatchObject({
      hasFrontMatter: true,
      title: 'Dated & "quoted" over two lines',
      author: 'Li Wei',
      url: 'https://news.example.test/d?rss=1',
      tags: ['Wire'],
      categories: ['Wire'],
      feedTimestamp: Date.parse('2025-02-10T20:00:20Z'),
      rawDate: '2025-02-10T20:00:20.000Z',
      body: '<div>\n<p>Dated body.</p>\n</div>\n',
    })
    const result = transformParsed(parsed, itemHash(dated, dated.link!, 'Wire'))
    expect(result.ok && result.draft.publishedAt).toBe('2025-02-10T20:00:20.000Z')
    expect(result.ok && result.draft.authors).toEqual(['Li Wei'])
  })

  it('an item changed upstream has another hash; its guid counts only when it is not its permalink', () => {
    const hash = itemHash(dated, dated.link!, 'Wire')
    expect(itemHash({ ...dated, title: 'Changed' }, dated.link!, 'Wire')).not.toBe(hash)
    expect(dated.guidIsPermaLink).toBe(false)
    expect(undated.guidIsPermaLink).toBe(true)
  })
})
