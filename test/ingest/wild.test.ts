import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'

import { decodeFeed, parseFeedDocument, type FeedItem } from '../../src/feeds/parse'
import { parseFeedDate } from '../../src/feeds/feedDates'
import { MAX_ITEM_DEPTH, MAX_ITEM_IMAGES } from '../../src/feeds/limits'
import { scaled } from '../helpers/timing'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ingest')
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name))
const FEED_URL = 'https://news.example.test/feeds/world.xml'

/** A fixture fetched with `contentType`, decoded and parsed as the ingest does. */
const read = (name: string, contentType?: string) =>
  parseFeedDocument(decodeFeed(fixture(name), contentType), FEED_URL)

describe('encodings: what the feed says is what readers see', () => {
  const w1252 = {
    title: '“Quoted” – it’s €5',
    body: 'Simulações, café, naïve façade — déjà vu… ©2026',
  }
  const gb = { title: '北京：今日天气晴朗', body: '新闻编辑部报道：明天会下雨，请市民出门带伞。' }

  it('reads a windows-1252 feed with and without a declared charset, curly quotes and euro kept', () => {
    for (const [name, type] of [
      ['windows-1252-declared.xml', undefined],
      ['windows-1252-declared.xml', 'application/rss+xml; charset=windows-1252'],
      // ISO-8859-1 is the web's name for windows-1252 (WHATWG).
      ['windows-1252-declared.xml', 'text/xml; charset=iso-8859-1'],
      ['windows-1252-undeclared.xml', undefined],
      ['windows-1252-undeclared.xml', 'application/rss+xml'],
    ] as const) {
      const [item] = read(name, type).items
      expect([name, type, item.title]).toEqual([name, type, w1252.title])
      expect(item.summary).toContain(w1252.body)
    }
  })

  it('reads a GB18030 feed with and without a declared charset', () => {
    for (const [name, type] of [
      ['gb18030-declared.xml', undefined],
      ['gb18030-declared.xml', 'text/xml; charset=gb2312'],
      ['gb18030-undeclared.xml', undefined],
    ] as const) {
      const [item] = read(name, type).items
      expect([name, type, item.title]).toEqual([name, type, gb.title])
      expect(item.summary).toContain(gb.body)
    }
  })

  it('reads Big5 and Shift_JIS, declared or detected', () => {
    expect(read('big5-declared.xml').items[0].title).toBe('北京：今日天氣晴朗')
    expect(read('shift-jis-undeclared.xml').items[0].title).toBe('東京：今日は晴れです')
  })

  it('does not trust a declaration the bytes contradict, either way', () => {
    // Declares UTF-8 (in the XML and the header), bytes are Latin-1.
    for (const type of [undefined, 'application/rss+xml; charset=utf-8']) {
      const [item] = read('declares-utf8-is-latin1.xml', type).items
      expect(item.title).toBe('Café com pão')
      expect(item.summary).toContain('Uma simulação de café às três')
    }
    // Declares GB2312, bytes are UTF-8 (a site that moved to UTF-8 and kept its header).
    const utf8Chinese = Buffer.from(
      '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>新闻</title><item><title>北京：今日天气晴朗</title><link>https://news.example.test/zh</link></item></channel></rss>',
    )
    expect(
      parseFeedDocument(decodeFeed(utf8Chinese, 'text/xml; charset=gb2312'), FEED_URL).items[0]
        .title,
    ).toBe('北京：今日天气晴朗')
    // Declares ISO-8859-1, bytes are UTF-8: not "CafÃ©".
    for (const type of [undefined, 'text/xml; charset=ISO-8859-1']) {
      const [item] = read('declares-latin1-is-utf8.xml', type).items
      expect(item.title).toBe('Café com pão')
    }
  })
})

describe('text is not HTML', () => {
  const byId = (items: FeedItem[], id: string) => items.find((i) => i.guid?.endsWith(id))!

  it('honours Atom type="text" for titles, summaries and content', () => {
    const { items } = read('atom-text-types.xml')
    const text = byId(items, ':text')
    expect(text.title).toBe('AT&T <S> shares fell')
    expect(text.summary).toBe(
      '<p>History of the &lt;blink&gt; tag, and why &lt;strong&gt; is not bold here.</p>',
    )
    expect(text.content).toBe(
      '<p>First line &lt;strong&gt;stays literal&lt;/strong&gt;.</p><p>Second paragraph &amp; more.</p>',
    )
  })

  it('reads type="html" as HTML and type="xhtml" as markup', () => {
    const { items } = read('atom-text-types.xml')
    const html = byId(items, ':html')
    // `&amp;amp;` in the XML is `&amp;` in the HTML, which is `&` in text.
    expect(html.title).toBe('Rates rise & bonds')
    expect(html.content).toBe('<p>The central bank <strong>raised</strong> rates.</p>')
    const xhtml = byId(items, ':xhtml')
    expect(xhtml.title).toBe('Snow closes schools')
    expect(xhtml.content).toBe('<p>Schools are <em>closed</em> &amp; buses stopped.</p>')
  })

  it('keeps RSS titles as text', () => {
    const feed = parseFeedDocument(
      '<rss version="2.0"><channel><title>T</title><item><title>History of the &lt;blink&gt; tag &amp; AT&amp;T</title><link>https://news.example.test/blink</link></item></channel></rss>',
      FEED_URL,
    )
    expect(feed.items[0].title).toBe('History of the <blink> tag & AT&T')
  })
})

describe('relative links', () => {
  it('resolves by xml:base on the feed, the entry and the element, then the document URL', () => {
    const { link, items } = read('xml-base-three-levels.xml')
    expect(link).toBe('https://news.example.test/world/index.html')
    const [a, b, c] = items
    expect(a.link).toBe('https://news.example.test/world/asia/harbour-reopens.html')
    expect(a.content).toContain('src="https://media.example.test/photos/harbour.jpg"')
    expect(a.content).toContain('href="https://media.example.test/credits.html"')
    // A fragment stays a fragment.
    expect(a.content).toContain('href="#top"')
    expect(b.link).toBe('https://news.example.test/sport/final-score.html')
    expect(b.content).toContain('href="https://news.example.test/world/final-score-table.html"')
    expect(c.link).toBe('https://news.example.test/archive/2026/bridge-opens.html')
  })
})

describe('fallback elements', () => {
  it('takes a YouTube body from media:group/media:description, as text', () => {
    const [video] = read('youtube-media-group.xml').items
    expect(video.link).toBe('https://video.example.test/watch?v=abc123')
    expect(video.summary).toBe(
      "<p>Today's weather in two minutes.</p><p>Rain &lt;heavy&gt; in the north &amp; wind on the coast.</p>",
    )
  })

  it('takes a podcast body from itunes:summary, a byline from itunes:author and an EST date', () => {
    const [ep] = read('podcast-itunes.xml').items
    expect(ep.summary).toBe('<p>How our reporters cover an election night, hour by hour.</p>')
    expect(ep.author).toBe('Mina Farahani')
    expect(ep.guid).toBe('desk-podcast-ep-12')
    expect(ep.guidIsPermaLink).toBe(false)
    expect(ep.published).toBe(Date.parse('2026-12-04T23:00:00Z'))
  })

  it('reads dc:title, atom:link, dc:description, dc:date, feedburner:origLink and dcterms dates', () => {
    const [dc, orig, modified, garbage] = read('rss-fallback-elements.xml').items
    expect(dc).toMatchObject({
      title: 'Title only in Dublin Core',
      link: 'https://news.example.test/only-atom-link',
      summary: '<p>Body only in dc:description.</p>',
      published: Date.parse('2026-12-01T11:00:00Z'),
    })
    expect(orig).toMatchObject({
      link: 'https://news.example.test/original',
      published: Date.parse('2026-12-02T08:00:00Z'),
    })
    expect(modified.published).toBe(Date.parse('2026-12-03T08:00:00Z'))
    expect(garbage.published).toBeUndefined()
  })

  it('reads content:encoded and dc: elements declared without the trailing slash or with https', () => {
    const [ep] = read('namespaces-without-slash.xml').items
    expect(ep.content).toBe(
      '<p>The full show notes: how the night desk checks a late story before it runs.</p>',
    )
    expect(ep.author).toBe('Ines Okafor')
    expect(ep.published).toBe(Date.parse('2026-12-05T20:00:00Z'))
  })

  it('reads a feed whose RSS elements are all prefixed, with no default namespace', () => {
    const feed = read('rss-prefixed-elements.xml')
    expect(feed.format).toBe('rss')
    expect(feed.items).toHaveLength(1)
    expect(feed.items[0]).toMatchObject({
      title: 'Every element prefixed',
      link: 'https://news.example.test/prefixed-1',
      summary: 'No default namespace at all.',
      published: Date.parse('2026-12-05T10:00:00Z'),
    })
    // The same with the prefix never declared.
    const undeclared = parseFeedDocument(
      '<rss version="2.0"><rss:channel><rss:title>P</rss:title><rss:item><rss:title>One</rss:title><rss:link>https://news.example.test/1</rss:link></rss:item></rss:channel></rss>',
      FEED_URL,
    )
    expect(undeclared.items.map((i) => i.link)).toEqual(['https://news.example.test/1'])
  })

  it('takes a JSON Feed link from external_url', () => {
    const [item] = read('jsonfeed-external-url.json').items
    expect(item.link).toBe('https://elsewhere.example.test/the-story')
    expect(item.published).toBe(Date.parse('2026-12-05T15:00:00Z'))
  })
})

/** The date an RSS item with this `pubDate` gets. */
const pubDate = (raw: string) =>
  parseFeedDocument(
    `<rss version="2.0"><channel><title>T</title><item><title>d</title><link>https://news.example.test/d</link><pubDate>${raw}</pubDate></item></channel></rss>`,
    FEED_URL,
  ).items[0].published

describe('feed dates', () => {
  it('reads the timezone names feeds write in RFC-822 dates', () => {
    const cases: [string, string][] = [
      ['Mon, 07 Dec 2026 09:30:00 EST', '2026-12-07T14:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 EDT', '2026-12-07T13:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 CST', '2026-12-07T15:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 MDT', '2026-12-07T15:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 PST', '2026-12-07T17:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 PDT', '2026-12-07T16:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 CET', '2026-12-07T08:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 CEST', '2026-12-07T07:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 MET', '2026-12-07T08:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 MEST', '2026-12-07T07:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 BST', '2026-12-07T08:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 JST', '2026-12-07T00:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 AEDT', '2026-12-06T22:30:00Z'],
      ['Mon, 07 Dec 2026 09:30:00 UT', '2026-12-07T09:30:00Z'],
      ['Mon, 07 Dec 2026 09:30 +0800', '2026-12-07T01:30:00Z'],
      ['7 Dec 26 09:30:00 GMT', '2026-12-07T09:30:00Z'],
      ['Monday, 07 December 2026 09:30:00 GMT', '2026-12-07T09:30:00Z'],
      ['2026-12-07T09:30:00+08:00', '2026-12-07T01:30:00Z'],
      ['2026-12-07T09:30:00.123Z', '2026-12-07T09:30:00.123Z'],
      ['2026-12-07', '2026-12-07T00:00:00Z'],
      ['2026/12/7 09:30:00', '2026-12-07T09:30:00Z'],
      ['2026/12/07 09:30 +0800', '2026-12-07T01:30:00Z'],
      ['2026/12/7', '2026-12-07T00:00:00Z'],
      ['Mon, Dec 07 2026 02:05:09 PM', '2026-12-07T14:05:09Z'],
      ['Dec 7 2026 12:10 AM', '2026-12-07T00:10:00Z'],
      ['Dec 7 2026 12:10 p.m.', '2026-12-07T12:10:00Z'],
      ['Monday, December 7, 2026 09:30:00 EST', '2026-12-07T14:30:00Z'],
    ]
    for (const [raw, iso] of cases) expect([raw, pubDate(raw)]).toEqual([raw, Date.parse(iso)])
  })

  it('reads the slashed and month-first dates of a GB2312 forum feed, not the poll time', () => {
    const items = read('gb2312-forum-dates.xml').items
    expect(items.map((i) => [i.title, i.published])).toEqual([
      ['明天会下雨', Date.parse('2026-12-07T09:30:00Z')],
      ['地铁延误', Date.parse('2026-12-07T14:05:09Z')],
    ])
  })

  it('refuses a garbage date instead of guessing one', () => {
    for (const raw of [
      'Sun, Dec x 2012',
      'Mon, 32 Dec 2026 09:30:00 GMT',
      'Mon, 07 Dcx 2026 09:30:00 GMT',
      'Mon, 07 Dec 2026 09:30:00 XYZ',
      'yesterday',
      '2026-13-01',
      '2026-02-30T10:00:00Z',
      // Numbers only, day or month first: which is which cannot be told.
      '07/12/2026 09:30:00',
      '12/07/2026',
      '2026/2/30 10:00:00',
      'Dec 7 2026 13:10 PM',
      'Dec 7 2026 0:10 AM',
    ])
      expect([raw, pubDate(raw)]).toEqual([raw, undefined])
    // Atom and Dublin Core dates are W3C-DTF only.
    expect(parseFeedDate('Sun, Dec x 2012')).toBeUndefined()
  })
})

describe('a damaged feed keeps its good items', () => {
  it('keeps the complete items before a cut CDATA, and warns', () => {
    const feed = read('truncated-cdata.xml')
    expect(feed.items.map((i) => i.title)).toEqual([
      'Complete item 1',
      'Complete item 2',
      'Complete item 3',
    ])
    expect(feed.items[2].summary).toBe('<p>Body of complete item 3.</p>')
    expect(feed.warnings).toEqual([
      expect.stringMatching(/cut off or malformed.*kept the 3 complete item\(s\).*dropped 1/),
    ])
  })

  it('keeps every item of a feed missing its final ">"', () => {
    const feed = read('truncated-missing-gt.xml')
    expect(feed.items).toHaveLength(3)
    expect(feed.warnings).toEqual([expect.stringMatching(/cut off or malformed/)])
  })

  it('drops an item missing an end tag of its own, and repairs raw markup inside a field', () => {
    const feed = parseFeedDocument(
      `<rss version="2.0"><channel><title>T</title>
<item><title>Broken<link>https://news.example.test/broken</link></item>
<item><title>Raw br</title><link>https://news.example.test/br</link><description>one<br>two</description></item>
<item><title>Raw b</title><link>https://news.example.test/b</link><description>unclosed <b>bold</description></item>
</channel></rss>`,
      FEED_URL,
    )
    expect(feed.items.map((i) => i.title)).toEqual(['Raw br', 'Raw b'])
    expect(feed.items[0].summary).toBe('one<br>two')
    expect(feed.items[1].summary).toBe('unclosed <b>bold</b>')
    expect(feed.warnings).toEqual([
      expect.stringMatching(/kept the 2 complete item\(s\), dropped 1 damaged/),
    ])
  })

  it('still refuses a document cut off before its first complete item', () => {
    const text = fixture('truncated-cdata.xml').toString('utf8')
    expect(() => parseFeedDocument(text.slice(0, text.indexOf('<item>') + 40), FEED_URL)).toThrow(
      /before its first complete item/,
    )
  })
})

/** An RSS feed around one hostile body, between two ordinary items. */
const hostileFeed = (body: string, asCdata = true) =>
  `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>H</title><link>https://news.example.test/</link>
<item><title>Before</title><link>https://news.example.test/before</link><description>fine</description></item>
<item><title>Hostile</title><link>https://news.example.test/hostile</link><content:encoded>${asCdata ? `<![CDATA[${body}]]>` : body}</content:encoded></item>
<item><title>After</title><link>https://news.example.test/after</link><description>fine</description></item>
</channel></rss>`

/** Runs `work` while a client asks a local server every few ms; returns the slowest answer. */
const slowestAnswerDuring = async (work: () => void): Promise<number> => {
  const server = http.createServer((_req, res) => res.end('{"docs":[]}'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  const agent = new http.Agent({ keepAlive: true })
  const ask = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now()
      http
        .get({ host: '127.0.0.1', port, path: '/api/posts?limit=1', agent }, (res) => {
          res.resume()
          res.on('end', () => resolve(performance.now() - started))
        })
        .on('error', reject)
    })
  try {
    await ask() // connection warmed
    const during = ask()
    // The request is on the wire; the work runs on this thread before its answer can be read.
    await new Promise((r) => setImmediate(r))
    work()
    return await during
  } finally {
    agent.destroy()
    await new Promise((r) => server.close(r))
  }
}

describe('a hostile item fails fast', () => {
  it('refuses the 400,000-deep nested-div item with a reason; the others come in; a reader is answered promptly', async () => {
    const body = '<div>'.repeat(400_000) + 'x' + '</div>'.repeat(400_000)
    expect(body.length).toBeGreaterThan(4_000_000)
    let feed: ReturnType<typeof parseFeedDocument> | undefined
    let took = 0
    const slowest = await slowestAnswerDuring(() => {
      const started = performance.now()
      feed = parseFeedDocument(hostileFeed(body), FEED_URL)
      took = performance.now() - started
    })
    expect(feed!.items.map((i) => i.title)).toEqual(['Before', 'After'])
    expect(feed!.refused).toEqual([
      expect.objectContaining({
        title: 'Hostile',
        link: 'https://news.example.test/hostile',
        reason: expect.stringMatching(/over the limit of/),
      }),
    ])
    // Bounded work, not minutes: generous for a busy shared machine.
    expect(took).toBeLessThan(scaled(2000))
    expect(slowest).toBeLessThan(scaled(2500))
  })

  it('refuses an item nested past the cap even when it is small, as escaped HTML or raw XML', () => {
    const deep = MAX_ITEM_DEPTH + 50
    const body = '<div>'.repeat(deep) + 'x' + '</div>'.repeat(deep)
    for (const feedText of [hostileFeed(body), hostileFeed(body, false)]) {
      const started = performance.now()
      const feed = parseFeedDocument(feedText, FEED_URL)
      expect(performance.now() - started).toBeLessThan(scaled(2000))
      expect(feed.items.map((i) => i.title)).toEqual(['Before', 'After'])
      expect(feed.refused).toEqual([
        expect.objectContaining({
          title: 'Hostile',
          reason: expect.stringMatching(/more than 256 deep/),
        }),
      ])
    }
    // 400,000 deep as raw XML inside the feed: cut out before the tree is built.
    const raw = '<div>'.repeat(400_000) + '</div>'.repeat(400_000)
    const started = performance.now()
    const feed = parseFeedDocument(hostileFeed(raw, false), FEED_URL)
    expect(performance.now() - started).toBeLessThan(scaled(3000))
    expect(feed.items.map((i) => i.title)).toEqual(['Before', 'After'])
    expect(feed.refused).toHaveLength(1)
  })

  it('builds no tree of a deep body or title before the caps are checked (xml:base, html titles)', () => {
    const deep = '<div>'.repeat(30_000) + 'x' + '</div>'.repeat(30_000)
    const escaped = deep.replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const started = performance.now()
    const feed = parseFeedDocument(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.test/"><title>A</title>
<entry><title>Fine</title><id>tag:a,2026:1</id><link href="fine.html"/><content type="html">&lt;a href="x.html"&gt;x&lt;/a&gt;</content></entry>
<entry><title type="html">${escaped}</title><id>tag:a,2026:2</id><link href="deep.html"/><content type="html">&lt;a href="y.html"&gt;y&lt;/a&gt;${escaped}</content></entry>
</feed>`,
      FEED_URL,
    )
    expect(performance.now() - started).toBeLessThan(scaled(3000))
    expect(feed.items.map((i) => i.title)).toEqual(['Fine'])
    expect(feed.items[0].content).toBe('<a href="https://news.example.test/x.html">x</a>')
    expect(feed.refused).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/more than 256 deep/) }),
    ])
  })

  it('refuses an item with more images than the cap, and keeps one at the cap', () => {
    const over = parseFeedDocument(hostileFeed('<img src="/i.jpg">'.repeat(20_000)), FEED_URL)
    expect(over.refused).toEqual([
      expect.objectContaining({
        reason: `the item has more than ${MAX_ITEM_IMAGES} images (the limit per item)`,
      }),
    ])
    const at = parseFeedDocument(
      hostileFeed('<p><img src="/i.jpg"></p>'.repeat(MAX_ITEM_IMAGES)),
      FEED_URL,
    )
    expect(at.items.map((i) => i.title)).toEqual(['Before', 'Hostile', 'After'])
  })

  it('does not mistake sloppy HTML (unclosed p, li, br) for deep nesting', () => {
    const sloppy = '<ul>' + '<li><p>point<br>'.repeat(1000) + '</ul>'
    const feed = parseFeedDocument(hostileFeed(sloppy), FEED_URL)
    expect(feed.refused).toEqual([])
    expect(feed.items).toHaveLength(3)
  })
})
