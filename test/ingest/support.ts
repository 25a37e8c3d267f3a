import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { parseFile, type ParsedFile } from '../../src/importer/parse'
import { listArchiveFiles } from '../../src/importer/read'
import { normaliseUrl } from '../../src/importer/url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const CORPUS_DIR = process.env.CORPUS_DIR ?? path.resolve(here, '../../../shared/corpus')
const SAMPLE = path.join(CORPUS_DIR, 'sample-3000.tar.xz')
const EXAMPLES = path.resolve(here, '../../examples/archive')

/** One archive post, as a feed would have carried it. */
export type Article = {
  /** The archive file (relative to `dir`) and its raw text. */
  dir: string
  file: string
  raw: string
  parsed: ParsedFile
  url: string
  title: string
  author?: string
  /** The feed time, epoch ms. */
  published: number
  /** The item's HTML: the archive body without its `<div>` wrapper. */
  html: string
  outlet: string
}

const WRAPPED = /^\s*<div>\n?([\s\S]*?)\n?<\/div>\s*$/
const GENERIC = new Set(['news', 'post', 'posts', 'blog', 'uncategorized', '新闻'])

export const asArticle = (
  dir: string,
  file: string,
  raw = fs.readFileSync(path.join(dir, file), 'utf8'),
): Article | undefined => {
  const parsed = parseFile(raw, file)
  const m = WRAPPED.exec(parsed.body)
  const url = parsed.url
  const outlet = [...parsed.categories, ...parsed.tags].find((t) => !GENERIC.has(t.toLowerCase()))
  if (
    !parsed.hasFrontMatter ||
    !m ||
    !url ||
    !normaliseUrl(url) ||
    !parsed.title ||
    /[\r\n]/.test(parsed.title) ||
    !outlet ||
    parsed.feedTimestamp == null ||
    !Number.isFinite(parsed.feedTimestamp) ||
    raw.includes('\r') ||
    m[1].includes(']]>')
  )
    return undefined
  return {
    dir,
    file,
    raw,
    parsed,
    url,
    title: parsed.title,
    author: parsed.author,
    published: parsed.feedTimestamp,
    html: m[1],
    outlet,
  }
}

let unpacked: string | undefined

/**
 * The hosts of every article loaded so far: a test's sources list them as their hostnames (an item
 * linking outside its source's hosts is refused, src/ingest/run.ts).
 */
export const articleHosts = new Set<string>()

/**
 * Real archive posts of one outlet from the corpus sample (unpacked once per test file into a
 * temporary folder), with images and visible text; the bundled examples when the corpus is absent.
 */
export const loadArticles = (
  count: number,
): { articles: Article[]; from: 'corpus' | 'examples'; cleanup: () => void } => {
  let dir = EXAMPLES
  let from: 'corpus' | 'examples' = 'examples'
  if (fs.existsSync(SAMPLE)) {
    unpacked ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-corpus-'))
    if (!fs.existsSync(path.join(unpacked, 'all')))
      execFileSync('tar', ['-xJf', SAMPLE, '-C', unpacked, 'all'])
    dir = path.join(unpacked, 'all')
    from = 'corpus'
  } else {
    console.log(
      `ingest tests: ${SAMPLE} not found (set CORPUS_DIR); feeds are built from examples/archive.`,
    )
  }
  const byOutlet = new Map<string, Article[]>()
  const urls = new Set<string>()
  for (const file of listArchiveFiles(dir)) {
    const a = asArticle(dir, file)
    if (!a || (from === 'corpus' && !/<img\s/i.test(a.html)) || a.raw.length > 60_000) continue
    const key = normaliseUrl(a.url)!
    if (urls.has(key)) continue
    urls.add(key)
    byOutlet.set(a.outlet, [...(byOutlet.get(a.outlet) ?? []), a])
  }
  // The outlet with the most usable posts, so one source's name is every item's outlet.
  const best = [...byOutlet.values()].sort((a, b) => b.length - a.length)[0] ?? []
  const step = Math.max(1, Math.floor(best.length / count))
  const articles = best.filter((_, i) => i % step === 0).slice(0, count)
  // Too few posts of one outlet (the small bundled examples): copies under other article URLs.
  for (let k = 0; articles.length < count && best.length > 0; k++) {
    const a = best[k % best.length]
    const url = `${a.url}${a.url.includes('?') ? '&' : '?'}copy=${k}`
    const raw = a.raw.split(a.url).join(url)
    const copy = asArticle(dir, a.file, raw)
    if (copy) articles.push(copy)
  }
  for (const a of articles) articleHosts.add(new URL(a.url).hostname.toLowerCase())
  return {
    articles,
    from,
    cleanup: () => {
      if (unpacked) fs.rmSync(unpacked, { recursive: true, force: true })
      unpacked = undefined
    },
  }
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`

export type FeedEntry = {
  title: string
  link: string
  guid?: string
  published?: number
  author?: string
  /** Full HTML (content:encoded / Atom content / content_html). */
  content?: string
  summary?: string
}

export const toEntry = (a: Article, overrides: Partial<FeedEntry> = {}): FeedEntry => ({
  title: a.title,
  link: a.url,
  guid: a.url,
  published: a.published,
  author: a.author,
  content: a.html,
  ...overrides,
})

/**
 * RSS's own date (RFC 822) has whole seconds; a feed time with milliseconds (Blogger's feeds have
 * them) goes into Dublin Core's ISO date, as such feeds carry it.
 */
const rssDate = (ms: number | undefined) =>
  ms == null
    ? ''
    : ms % 1000 === 0
      ? `<pubDate>${new Date(ms).toUTCString()}</pubDate>`
      : `<dc:date>${new Date(ms).toISOString()}</dc:date>`

export const rss = (entries: FeedEntry[], link = 'https://feeds.example.test/'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Test wire</title><link>${xml(link)}</link><description>d</description>
${entries
  .map(
    (e) =>
      `<item><title>${xml(e.title)}</title><link>${xml(e.link)}</link>${
        e.guid ? `<guid isPermaLink="false">${xml(e.guid)}</guid>` : ''
      }${rssDate(e.published)}${
        e.author ? `<dc:creator>${xml(e.author)}</dc:creator>` : ''
      }${e.summary ? `<description>${xml(e.summary)}</description>` : ''}${
        e.content ? `<content:encoded>${cdata(e.content)}</content:encoded>` : ''
      }</item>`,
  )
  .join('\n')}
</channel></rss>`

export const atom = (entries: FeedEntry[]): string =>
  `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test wire</title><id>urn:test</id><updated>2025-01-01T00:00:00Z</updated>
${entries
  .map(
    (e) =>
      `<entry><title type="text">${xml(e.title)}</title><link rel="alternate" href="${xml(e.link)}"/><id>${xml(
        e.guid ?? e.link,
      )}</id>${e.published != null ? `<published>${new Date(e.published).toISOString()}</published><updated>${new Date(e.published).toISOString()}</updated>` : ''}${
        e.author ? `<author><name>${xml(e.author)}</name></author>` : ''
      }${e.summary ? `<summary type="html">${xml(e.summary)}</summary>` : ''}${
        e.content ? `<content type="html">${xml(e.content)}</content>` : ''
      }</entry>`,
  )
  .join('\n')}
</feed>`

export const rdf = (entries: FeedEntry[]): string =>
  `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel rdf:about="https://feeds.example.test/"><title>Test wire</title><link>https://feeds.example.test/</link><description>d</description></channel>
${entries
  .map(
    (e) =>
      `<item rdf:about="${xml(e.link)}"><title>${xml(e.title)}</title><link>${xml(e.link)}</link>${
        e.published != null ? `<dc:date>${new Date(e.published).toISOString()}</dc:date>` : ''
      }${e.author ? `<dc:creator>${xml(e.author)}</dc:creator>` : ''}${
        e.content ? `<content:encoded>${cdata(e.content)}</content:encoded>` : ''
      }</item>`,
  )
  .join('\n')}
</rdf:RDF>`

export const jsonFeed = (entries: FeedEntry[]): string =>
  JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'Test wire',
    items: entries.map((e) => ({
      id: e.guid ?? e.link,
      url: e.link,
      title: e.title,
      content_html: e.content,
      summary: e.summary,
      date_published: e.published != null ? new Date(e.published).toISOString() : undefined,
      authors: e.author ? [{ name: e.author }] : undefined,
    })),
  })

export type Seen = { method: string; path: string; headers: http.IncomingHttpHeaders }
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

/**
 * A feed server on 127.0.0.1 and a free port. `serve` answers a path with a body and honours
 * conditional requests (ETag / Last-Modified) unless told not to; `route` takes any handler.
 */
export const startFeedServer = async () => {
  const routes = new Map<string, Handler>()
  const requests: Seen[] = []
  const hanging = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers })
    const handler = routes.get((req.url ?? '/').split('?')[0])
    if (!handler) {
      res.writeHead(404).end('not found')
      return
    }
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    requests,
    route: (p: string, handler: Handler) => routes.set(p, handler),
    serve: (
      p: string,
      body: string | Buffer,
      options: { type?: string; etag?: string; lastModified?: string; conditional?: boolean } = {},
    ) =>
      routes.set(p, (req, res) => {
        const conditional = options.conditional ?? true
        if (
          conditional &&
          ((options.etag && req.headers['if-none-match'] === options.etag) ||
            (!options.etag &&
              options.lastModified &&
              req.headers['if-modified-since'] === options.lastModified))
        ) {
          res.writeHead(304).end()
          return
        }
        const headers: Record<string, string> = {
          'content-type': options.type ?? 'application/rss+xml; charset=utf-8',
        }
        if (options.etag) headers.etag = options.etag
        if (options.lastModified) headers['last-modified'] = options.lastModified
        res.writeHead(200, headers).end(body)
      }),
    /** A path whose requests are accepted and never answered. */
    hang: (p: string) =>
      routes.set(p, (_req, res) => {
        hanging.add(res)
      }),
    requestsTo: (p: string) => requests.filter((r) => r.path.split('?')[0] === p),
    close: async () => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>

/** A whole article page: chrome around the article, as a site serves it. */
export const articlePage = (a: { title: string; html: string }) =>
  `<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>${xml(a.title)} | Test wire</title></head>
<body><header class="site-header"><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/china">China</a></nav></header>
<main><article><h1>${xml(a.title)}</h1>
${a.html}
</article>
<aside class="related"><h2>Related</h2><ul><li><a href="/other-1">Another story about something else</a></li><li><a href="/other-2">And one more</a></li></ul></aside></main>
<footer><p>© Test wire. All rights reserved. Contact us. Privacy policy.</p></footer></body></html>`
