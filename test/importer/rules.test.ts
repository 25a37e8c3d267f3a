import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'

import { parseFile } from '../../src/importer/parse'
import { transform, type PostDraft } from '../../src/importer/transform'
import { normaliseUrl } from '../../src/importer/url'
import { listArchiveFiles } from '../../src/importer/read'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/importer')

const load = (name: string): PostDraft => {
  const raw = fs.readFileSync(path.join(FIXTURES, name), 'utf8')
  const result = transform(parseFile(raw, name), raw)
  if (!result.ok) throw new Error(`${name}: ${result.reason}`)
  return result.draft
}

type AnyNode = { type: string; children?: AnyNode[]; [k: string]: unknown }
const nodes = (d: PostDraft): AnyNode[] => {
  const out: AnyNode[] = []
  const visit = (n: AnyNode) => {
    out.push(n)
    n.children?.forEach(visit)
  }
  visit(d.content.root as unknown as AnyNode)
  return out
}
const ofType = (d: PostDraft, type: string) => nodes(d).filter((n) => n.type === type)

describe('identity', () => {
  it('normalises scheme, host case, double slashes, raw Unicode vs percent-encoding and tracking params', () => {
    const a = normaliseUrl('HTTP://News.Example.org//work/规定.html?utm_source=rss&id=7#top')
    const b = normaliseUrl('https://news.example.org/work/%E8%A7%84%E5%AE%9A.html?id=7')
    expect(a).toBe(b)
    expect(load('url-unicode-and-tracking.md').sourceUrl).toBe(b)
  })
})

describe('dates', () => {
  it('the feed stamp wins over the front-matter date', () => {
    expect(load('stamp-wins-over-date.md').publishedAt).toBe(new Date(1735820000000).toISOString())
  })
  it('parses +offset and date-only front-matter dates', () => {
    expect(load('date-offset.md').publishedAt).toBe('2025-01-02T09:04:05.000Z')
    expect(load('date-only.md').publishedAt).toBe('2025-01-02T00:00:00.000Z')
  })
  it('a <!--NaN--> stamp falls back to the front-matter date with a warning', () => {
    const d = load('stamp-nan.md')
    expect(d.publishedAt).toBe('2025-01-02T03:04:05.000Z')
    expect(d.warnings).toContain('feed had no date (<!--NaN-->)')
  })
  it('a legacy file without a stamp takes the 日期： date of its body', () => {
    const d = load('legacy-date-in-body.md')
    expect(d.publishedAt).toBe('2025-01-02T03:04:05.000Z')
    expect(d.dateSource).toBe('body')
  })
})

describe('front matter and text', () => {
  it('an empty title gets a readable fallback and a warning, and a slug-able title', () => {
    const d = load('empty-title.md')
    expect(d.title.length).toBeGreaterThan(3)
    expect(d.warnings).toContain('empty title: used the start of the text')
  })
  it('decodes double-escaped entities in titles and trims them', () => {
    expect(load('title-double-escaped.md').title).toBe('加班 & 休息')
  })
  it('reads a title written over several lines', () => {
    expect(load('multi-line-title.md').title).toBe('跨行的 标题')
  })
  it('reads front matter YAML refuses (unescaped quotes in the title)', () => {
    const d = load('broken-yaml-quotes.md')
    expect(d.title).toBe('他说 "不" 的理由')
    expect(d.sourceUrl).toBe('https://news.example.org/a/q.html')
  })
  it('keeps U+3000 indentation, drops control and zero-width characters', () => {
    const html = load('control-and-zero-width.md').contentHtml
    expect(html).toContain('　　全角缩进保留控制')
    expect(html).not.toMatch(/[\u0007\u200b]/)
  })
  it('reads CRLF files', () => {
    expect(load('crlf-line-endings.md').contentHtml).toBe('<p>Windows 换行。</p>')
  })
  it('an empty body is a post without text, not a failure', () => {
    const d = load('empty-body.md')
    expect(d.contentHtml).toBe('')
    expect(d.warnings).toContain('body has no visible text')
  })
})

describe('outlet and byline', () => {
  it('the outlet named in tags/categories is the source, with the URL host', () => {
    expect(load('date-only.md').outlet).toEqual({ name: '示例日报', host: 'news.example.org' })
  })
  it('a real byline becomes an author; the outlet name does not', () => {
    expect(load('byline-real-author.md').authors).toEqual(['王 征'])
    expect(load('date-only.md').authors).toEqual([])
  })
  it('ignores a generic "news" category', () => {
    const d = load('categories-news-generic.md')
    expect(d.categories).toEqual(['示例日报'])
    expect(d.outlet?.name).toBe('示例日报')
  })
  it('a legacy file without front matter takes the outlet from its folder', () => {
    const raw = fs.readFileSync(path.join(FIXTURES, 'legacy-no-front-matter.md'), 'utf8')
    const r = transform(parseFile(raw, '_posts/美国之音/1_旧格式标题.md'), raw)
    expect(r.ok && r.draft.outlet?.name).toBe('美国之音')
    expect(r.ok && r.draft.title).toBe('旧格式标题')
    expect(r.ok && r.draft.publishedAt).toBe(new Date(1735787045000).toISOString())
  })
})

describe('body', () => {
  it('repairs glued tags and keeps {{ }} as text', () => {
    const d = load('glued-tags-and-template.md')
    expect(d.contentHtml).toContain('{{ page.title }}')
    expect(d.images).toEqual(['https://img.example.org/g.jpg'])
  })
  it('drops script, style, on* handlers and javascript: links', () => {
    const d = load('script-style-handlers.md')
    expect(d.contentHtml).not.toMatch(/<script|onclick|javascript:|color:red/i)
    expect(d.contentHtml).toContain('正文链接二')
    expect(d.warnings).toContain('removed a javascript: link')
  })
  it('an iframe from a known host becomes an embed block, any other a link', () => {
    const d = load('iframe-known-and-unknown.md')
    const blocks = ofType(d, 'block')
    expect(blocks).toHaveLength(1)
    expect((blocks[0].fields as { url: string; blockType: string }).blockType).toBe('embed')
    expect(ofType(d, 'link').map((l) => (l.fields as { url: string }).url)).toEqual([
      'https://widgets.example.net/poll',
    ])
    expect(d.contentHtml).toContain('sandbox=')
  })
  it("keeps an embedded player's fallback link as written, inside the iframe, and nothing else", () => {
    const d = load('iframe-fallback-link.md')
    const fallbacks = ofType(d, 'block').map((b) => (b.fields as { fallback?: string }).fallback)
    expect(fallbacks).toEqual([
      '<a href="https://www.youtube.com/watch?v=abc123&&&">YouTube</a>',
      undefined,
      undefined,
    ])
    expect(d.contentHtml).toContain(
      'allowfullscreen><a href="https://www.youtube.com/watch?v=abc123&&&">YouTube</a></iframe>',
    )
    expect(d.contentHtml).not.toMatch(/javascript:|不是链接/)
  })
  it('keeps a WordPress post embed as its blockquote link and drops the frame that only replaces it', () => {
    const d = load('wordpress-embed.md')
    expect(ofType(d, 'link').map((l) => (l.fields as { url: string }).url)).toEqual([
      'https://blog.example.org/2025/01/related/',
    ])
    expect(ofType(d, 'block')).toHaveLength(0)
    expect(d.contentHtml).not.toContain('▶')
    expect(d.contentHtml).toContain('相关文章标题')
    expect(d.fidelity).toBe(1)
  })
  it('keeps tables as tables', () => {
    const d = load('table-kept.md')
    expect(ofType(d, 'table')).toHaveLength(1)
    expect(ofType(d, 'tablecell')).toHaveLength(4)
    expect(d.fidelity).toBe(1)
  })
  it('an image-then-caption table becomes a captioned upload', () => {
    const d = load('image-then-caption-table.md')
    expect(ofType(d, 'table')).toHaveLength(0)
    const [up] = ofType(d, 'upload')
    expect((up.fields as { caption: string }).caption).toBe('图片说明文字')
    expect(d.fidelity).toBe(1)
  })
  it('a figure keeps its caption on the upload node', () => {
    const [up] = ofType(load('figure-caption.md'), 'upload')
    expect(up.fields).toEqual({ caption: '图注', alt: '替代' })
  })
  it('lazy and relative images resolve against the article URL; an empty src is no image', () => {
    expect(load('images-lazy-and-relative.md').images).toEqual([
      'https://news.example.org/lazy.jpg',
      'https://cdn.example.org/o.jpg',
      'https://news.example.org/a/b/rel/r.jpg',
    ])
  })
  it('cleans Word HTML without losing text', () => {
    const d = load('word-html.md')
    expect(d.contentHtml).toBe('<p>第一段</p><p><strong>第二段</strong>\u00a0</p>')
    expect(d.contentHtml).not.toContain('junk')
  })
  it('a scraped page keeps its article text, not its chrome, and keeps every image', () => {
    const d = load('scraped-page.md')
    expect(d.contentHtml).toContain('文章正文。')
    expect(d.contentHtml).not.toContain('导航')
    expect(d.contentHtml).not.toContain('版权')
    expect(d.images).toEqual(['https://news.example.org/logo.png'])
  })
})

describe('read', () => {
  it('lists files with newlines, backslashes and trailing spaces in their names', () => {
    const dir = fs.mkdtempSync('/tmp/importer-read-')
    const names = ['a\nb.md', 'back\\slash.md', 'space .md', 'sub/“q”.md']
    for (const n of names) {
      fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true })
      fs.writeFileSync(path.join(dir, n), 'x')
    }
    expect(listArchiveFiles(dir).sort()).toEqual([...names].sort())
    fs.rmSync(dir, { recursive: true })
  })
})
