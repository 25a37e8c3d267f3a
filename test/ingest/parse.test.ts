import dns from 'node:dns/promises'
import os from 'node:os'
import zlib from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { parseFile } from '../../src/importer/parse'
import { contentHashOf, transform } from '../../src/importer/transform'
import { normaliseUrl } from '../../src/importer/url'
import { FetchError, fetchUrl, isPublicAddress, USER_AGENT } from '../../src/ingest/client'
import { toArchiveDocument } from '../../src/ingest/document'
import { decodeFeed, FeedParseError, parseFeedDocument } from '../../src/feeds/parse'
import { startFeedServer, type FeedServer } from './support'

const FEED_URL = 'https://news.example.test/feeds/world.xml'

describe('feeds as they are in the wild', () => {
  it('reads CDATA, entities and markup in titles', () => {
    const feed = parseFeedDocument(
      `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title><link>https://news.example.test/</link>
<item><title><![CDATA[Markets <b>rally</b> & bonds]]></title><link>https://news.example.test/a</link>
<content:encoded><![CDATA[<p>Tom &amp; Jerry <img src="/img/a.jpg"></p>]]></content:encoded></item>
<item><title>Caf&#xE9; &amp; &#20013;&#25991; &amp;amp; more</title><link>https://news.example.test/b</link><description>&lt;p&gt;escaped &amp;amp; summary&lt;/p&gt;</description></item>
</channel></rss>`,
      FEED_URL,
    )
    expect(feed.format).toBe('rss')
    // RSS titles are text: markup in CDATA is what the feed wrote, not HTML to render.
    expect(feed.items[0].title).toBe('Markets <b>rally</b> & bonds')
    expect(feed.items[0].content).toBe('<p>Tom &amp; Jerry <img src="/img/a.jpg"></p>')
    expect(feed.items[1].title).toBe('Café & 中文 &amp; more')
    expect(feed.items[1].summary).toBe('<p>escaped &amp; summary</p>')
  })

  it('decodes by the XML declaration, and by the Content-Type charset first', () => {
    const text =
      '<?xml version="1.0" encoding="GBK"?><rss version="2.0"><channel><title>新闻</title><item><title>北京：今日天气</title><link>https://news.example.test/gbk</link></item></channel></rss>'
    const utf8 = Buffer.from(text, 'utf8')
    // GBK bytes, written by hand for the characters used (Node has a GBK decoder but no encoder).
    const table: Record<string, number[]> = {
      新: [0xd0, 0xc2],
      闻: [0xce, 0xc5],
      北: [0xb1, 0xb1],
      京: [0xbe, 0xa9],
      '：': [0xa3, 0xba],
      今: [0xbd, 0xf1],
      日: [0xc8, 0xd5],
      天: [0xcc, 0xec],
      气: [0xc6, 0xf8],
    }
    const bytes = Buffer.from([...text].flatMap((c) => table[c] ?? [...Buffer.from(c, 'utf8')]))
    expect(new TextDecoder('gbk').decode(bytes)).toBe(text)
    expect(decodeFeed(bytes)).toBe(text)
    expect(parseFeedDocument(decodeFeed(bytes), FEED_URL).items[0].title).toBe('北京：今日天气')
    // The header wins over the declaration (RFC 7303).
    expect(decodeFeed(utf8, 'application/rss+xml; charset=utf-8')).toBe(text)
    // A byte-order mark wins over both.
    expect(
      decodeFeed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), 'text/xml; charset=gbk'),
    ).toBe(text)
    // An unknown label falls back to the declaration, then to UTF-8, instead of failing the feed.
    expect(decodeFeed(bytes, 'text/xml; charset=x-unknown')).toBe(text)
    expect(decodeFeed(Buffer.from('<rss>中文</rss>'), 'text/xml; charset=x-unknown')).toBe(
      '<rss>中文</rss>',
    )
  })

  it('resolves relative item links against the feed link, then the feed URL', () => {
    const withLink = parseFeedDocument(
      '<rss version="2.0"><channel><title>T</title><link>https://www.example.test/news/</link><item><title>a</title><link>2025/01/a.html</link></item><item><title>b</title><link>/b.html</link></item></channel></rss>',
      FEED_URL,
    )
    expect(withLink.items.map((i) => i.link)).toEqual([
      'https://www.example.test/news/2025/01/a.html',
      'https://www.example.test/b.html',
    ])
    const atomFeed = parseFeedDocument(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>c</title><id>tag:x,2025:c</id><link href="../c.html"/></entry></feed>',
      FEED_URL,
    )
    expect(atomFeed.items[0].link).toBe('https://news.example.test/c.html')
  })

  it('gives an absolute link spelled with a stray space the identity the archive gives it', () => {
    const raw = 'https://www.dw.com/zh/不顾通牒 中国休斯敦领事馆/a-54302247'
    const feed = parseFeedDocument(
      `<rss version="2.0"><channel><title>T</title><link>https://www.dw.com/zh/</link><item><title>a</title><link>${raw}</link></item></channel></rss>`,
      FEED_URL,
    )
    expect(normaliseUrl(feed.items[0].link)).toBe(normaliseUrl(raw))
  })

  it('takes a permalink guid when an item has no link, and refuses script URLs', () => {
    const feed = parseFeedDocument(
      '<rss version="2.0"><channel><title>T</title><item><title>a</title><guid>https://news.example.test/by-guid</guid></item><item><title>b</title><guid isPermaLink="false">https://news.example.test/not-a-permalink</guid></item><item><title>c</title><link>javascript:alert(1)</link></item></channel></rss>',
      FEED_URL,
    )
    expect(feed.items.map((i) => i.link)).toEqual([
      'https://news.example.test/by-guid',
      undefined,
      undefined,
    ])
  })

  it('keeps an item without a date undated, and its identity does not change from poll to poll', () => {
    const feed = parseFeedDocument(
      '<rss version="2.0"><channel><title>T</title><item><title>Undated</title><link>https://news.example.test/u</link><description>&lt;p&gt;Body text.&lt;/p&gt;</description></item><item><title>Dated</title><link>https://news.example.test/d</link><pubDate>Tue, 11 Feb 2025 05:00:20 +0900</pubDate></item></channel></rss>',
      FEED_URL,
    )
    const [undated, dated] = feed.items
    expect(undated.published).toBeUndefined()
    expect(dated.published).toBe(Date.parse('2025-02-10T20:00:20Z'))
    const at = (iso: string) =>
      toArchiveDocument({
        item: undated,
        url: undated.link!,
        outlet: 'Wire',
        seenAt: new Date(iso),
      })
    const identity = toArchiveDocument({ item: undated, url: undated.link!, outlet: 'Wire' })
    const result = transform(parseFile(at('2025-03-01T08:00:00Z'), 'u.md'), identity)
    expect(result.ok && result.draft.publishedAt).toBe('2025-03-01T08:00:00.000Z')
    expect(result.ok && result.draft.warnings).toContain('feed had no date (<!--NaN-->)')
    expect(result.ok && result.draft.provenance.contentHash).toBe(contentHashOf(identity))
    expect(at('2025-03-01T08:00:00Z')).not.toBe(at('2025-03-02T08:00:00Z'))
  })

  it('reads RSS 1.0 (RDF) and JSON Feed', () => {
    const rdfFeed = parseFeedDocument(
      '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://news.example.test/"><title>R</title><link>https://news.example.test/</link></channel><item rdf:about="https://news.example.test/r"><title>R1</title><link>https://news.example.test/r</link><dc:date>2025-01-02T03:04:05Z</dc:date><dc:creator>Li Wei</dc:creator></item></rdf:RDF>',
      FEED_URL,
    )
    expect(rdfFeed.format).toBe('rdf')
    expect(rdfFeed.items[0]).toMatchObject({
      title: 'R1',
      author: 'Li Wei',
      published: Date.parse('2025-01-02T03:04:05Z'),
    })
    const json = parseFeedDocument(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'J',
        home_page_url: 'https://news.example.test/',
        items: [{ id: 7, url: 'j/7', title: 'J7', content_text: 'Line one\n\nLine <two>' }],
      }),
      FEED_URL,
    )
    expect(json.format).toBe('json')
    expect(json.items[0]).toMatchObject({
      guid: '7',
      link: 'https://news.example.test/j/7',
      content: '<p>Line one</p><p>Line &lt;two&gt;</p>',
    })
  })

  it('does not expand entities declared in a DOCTYPE (no billion laughs)', () => {
    const levels = ['<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">']
    for (const [prev, next] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh'])
      levels.push(`<!ENTITY ${next} "${`&${prev};`.repeat(10)}">`)
    const feed = parseFeedDocument(
      `<?xml version="1.0"?><!DOCTYPE rss [${levels.join('')}]><rss version="2.0"><channel><title>&h;</title><item><title>&h;</title><link>https://news.example.test/lol</link></item></channel></rss>`,
      FEED_URL,
    )
    expect(feed.items[0].title.length).toBeLessThan(100)
  })

  it('says plainly what a document that is not a feed is', () => {
    expect(() => parseFeedDocument('', FEED_URL)).toThrow(new FeedParseError('the feed is empty'))
    expect(() => parseFeedDocument('<html><body>hi</body></html>', FEED_URL)).toThrow(
      /not a feed: an HTML page/,
    )
    expect(() => parseFeedDocument('Just text', FEED_URL)).toThrow(/not a feed: not XML or JSON/)
    expect(() => parseFeedDocument('{"version": 1', FEED_URL)).toThrow(/not a feed: invalid JSON/)
    expect(() => parseFeedDocument('<catalog><book/></catalog>', FEED_URL)).toThrow(
      /not a feed: XML that is not RSS, Atom, RDF or JSON Feed \(its root is <catalog>\)/,
    )
    expect(() => parseFeedDocument('{"version": 1}', FEED_URL)).toThrow(/not a JSON Feed/)
  })
})

describe('the ingest HTTP client', () => {
  let server: FeedServer
  beforeAll(async () => {
    server = await startFeedServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  it('sends the validators and a User-Agent naming the CMS; a 304 is not-modified', async () => {
    server.serve('/c.xml', '<rss/>', {
      etag: '"abc"',
      lastModified: 'Mon, 10 Feb 2025 20:00:20 GMT',
    })
    const first = await fetchUrl(`${server.base}/c.xml`, { allowPrivate: true })
    expect(first).toMatchObject({
      status: 'ok',
      etag: '"abc"',
      lastModified: 'Mon, 10 Feb 2025 20:00:20 GMT',
    })
    const second = await fetchUrl(`${server.base}/c.xml`, {
      allowPrivate: true,
      etag: '"abc"',
      lastModified: 'Mon, 10 Feb 2025 20:00:20 GMT',
    })
    expect(second.status).toBe('not-modified')
    const sent = server.requestsTo('/c.xml').at(-1)!.headers
    expect(sent['if-none-match']).toBe('"abc"')
    expect(sent['if-modified-since']).toBe('Mon, 10 Feb 2025 20:00:20 GMT')
    expect(sent['user-agent']).toBe(USER_AGENT)
  })

  it('counts the size limit on the decompressed body (a gzip bomb is refused)', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(2_000_000, 0x20))
    server.route('/bomb.xml', (_req, res) =>
      res
        .writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) })
        .end(bomb),
    )
    expect(bomb.length).toBeLessThan(10_000)
    await expect(
      fetchUrl(`${server.base}/bomb.xml`, { allowPrivate: true, maxBytes: 100_000 }),
    ).rejects.toThrow(/over the limit of 100000 bytes/)
    const small = zlib.gzipSync(Buffer.from('<rss version="2.0"/>'))
    server.route('/small.xml', (_req, res) =>
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(small),
    )
    const ok = await fetchUrl(`${server.base}/small.xml`, { allowPrivate: true })
    expect(ok.status === 'ok' && ok.body.toString()).toBe('<rss version="2.0"/>')
  })

  it('retries once when a kept-alive connection turns out to be closed by the server', async () => {
    const seenSockets = new WeakSet<object>()
    server.route('/keepalive.xml', (req, res) => {
      // The server has dropped the idle connection: a request on a reused socket is cut off.
      if (seenSockets.has(req.socket)) return void req.socket.destroy()
      seenSockets.add(req.socket)
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss/>')
    })
    const url = `${server.base}/keepalive.xml`
    expect((await fetchUrl(url, { allowPrivate: true })).status).toBe('ok')
    expect((await fetchUrl(url, { allowPrivate: true })).status).toBe('ok')
    expect(server.requestsTo('/keepalive.xml')).toHaveLength(3)
  })

  it('fetches only http(s), and checks every redirect hop again', async () => {
    await expect(fetchUrl('file:///etc/passwd', { allowPrivate: true })).rejects.toThrow(
      /only http\(s\) URLs/,
    )
    await expect(fetchUrl('ftp://example.test/feed', { allowPrivate: true })).rejects.toThrow(
      /only http\(s\) URLs/,
    )
    server.route('/to-file', (_req, res) =>
      res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    )
    await expect(fetchUrl(`${server.base}/to-file`, { allowPrivate: true })).rejects.toMatchObject({
      kind: 'bad-url',
    })
  })

  it('refuses a host name that resolves to a private address, at connect time', async () => {
    const host = os.hostname()
    const { address } = await dns.lookup(host)
    // This machine's own name resolves to one of its (non-public) addresses.
    expect(isPublicAddress(address)).toBe(false)
    server.serve('/by-name.xml', '<rss/>')
    const port = new URL(server.base).port
    const before = server.requestsTo('/by-name.xml').length
    const err = await fetchUrl(`http://${host}:${port}/by-name.xml`, { allowPrivate: false }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(FetchError)
    expect((err as FetchError).kind).toBe('blocked')
    expect((err as Error).message).toMatch(/resolves to .*private\/loopback\/link-local/)
    expect(server.requestsTo('/by-name.xml').length).toBe(before)
    await expect(fetchUrl('http://localhost:1/x', { allowPrivate: false })).rejects.toMatchObject({
      kind: 'blocked',
    })
    await expect(
      fetchUrl('http://[::ffff:127.0.0.1]:1/x', { allowPrivate: false }),
    ).rejects.toMatchObject({ kind: 'blocked' })
    await expect(
      fetchUrl('http://169.254.169.254/latest/meta-data', { allowPrivate: false }),
    ).rejects.toMatchObject({ kind: 'blocked' })
  })

  it('tells public from private addresses', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fc00::1',
      '0.0.0.0',
      '100.64.0.1',
      '::ffff:10.0.0.1',
    ])
      expect([a, isPublicAddress(a)]).toEqual([a, false])
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8'])
      expect([a, isPublicAddress(a)]).toEqual([a, true])
  })
})
