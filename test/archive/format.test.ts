import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'

import {
  archiveDocument,
  archiveFileName,
  archivePost,
  ArchiveFormatError,
  parseArchiveFile,
  writeArchiveFile,
} from '../../src/archive'

/** One quirk of the archive's format per test, read and written back. */

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/importer')
const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)
const fixture = (name: string) =>
  parseArchiveFile(fs.readFileSync(path.join(FIXTURES, name), 'utf8'), name)

describe('reading the archive format', () => {
  it('reads the newest form into front matter, stamp, link line and body', () => {
    const text = [
      '---',
      'layout: post',
      'title: "AI研究美国一强的真相,人才来自中国"',
      'date: 2025-02-10T20:00:20.000Z',
      'author: 王 征',
      'from: https://cn.nikkei.com/a/57951.html',
      'tags: [ 日本経済新聞 ]',
      'comments: True',
      'categories: [ 日本経済新聞 ]',
      '---',
      '<!--1739217620000-->',
      '[AI研究美国一强的真相,人才来自中国](https://cn.nikkei.com/a/57951.html)',
      '------',
      '',
      '<div>',
      '<p>正文</p>',
      '</div>',
      '',
    ].join('\n')
    const doc = parseArchiveFile(text, '_posts/2025-02-10-AI.md')
    expect(doc).toEqual({
      name: '_posts/2025-02-10-AI.md',
      frontMatter: {
        layout: 'post',
        title: 'AI研究美国一强的真相,人才来自中国',
        date: '2025-02-10T20:00:20.000Z',
        author: '王 征',
        from: 'https://cn.nikkei.com/a/57951.html',
        tags: ['日本経済新聞'],
        comments: true,
        categories: ['日本経済新聞'],
      },
      stamp: '1739217620000',
      link: {
        title: 'AI研究美国一强的真相,人才来自中国',
        url: 'https://cn.nikkei.com/a/57951.html',
      },
      body: '<div>\n<p>正文</p>\n</div>\n',
      warnings: [],
    })
    // Written back in the archive's own style, byte for byte.
    expect(writeArchiveFile(doc)).toBe(text)
  })

  it('reads a legacy file without front matter: title and URL from the link line, outlet from its folder', () => {
    const doc = fixture('legacy-no-front-matter.md')
    expect(doc.frontMatter).toBeUndefined()
    expect(doc.link).toEqual({
      title: '旧格式标题',
      url: 'https://www.voa-example.com/a/legacy/1.html',
    })
    const post = archivePost({ ...doc, name: '_posts/美国之音/1_旧格式标题.md' })
    expect(post).toMatchObject({
      hasFrontMatter: false,
      title: '旧格式标题',
      url: 'https://www.voa-example.com/a/legacy/1.html',
      folderOutlet: '美国之音',
    })
  })

  it('keeps <!--NaN--> as the stamp: the feed had no date', () => {
    const doc = fixture('stamp-nan.md')
    expect(doc.stamp).toBe('NaN')
    expect(Number.isNaN(archivePost(doc).feedTimestamp)).toBe(true)
    expect(writeArchiveFile(doc)).toContain('<!--NaN-->\n')
  })

  it('keeps a date with an offset as written (YAML timestamps are not converted)', () => {
    expect(fixture('date-offset.md').frontMatter?.date).toBe('2025-01-02T10:04:05+01:00')
    expect(fixture('date-only.md').frontMatter?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  it('reads CRLF line ends and a byte-order mark as the same document as LF', () => {
    const lf = fixture('stamp-nan.md')
    const crlf = parseArchiveFile(`\ufeff${writeArchiveFile(lf).replace(/\n/g, '\r\n')}`, lf.name)
    expect(crlf).toEqual(lf)
  })

  it('reads front matter YAML refuses (a quote inside a double-quoted title) leniently, with a warning', () => {
    const doc = fixture('broken-yaml-quotes.md')
    expect(doc.frontMatter?.title).toBe('他说 "不" 的理由')
    expect(doc.warnings).toEqual(['front matter is not valid YAML; read leniently'])
    // Written back as valid YAML: read strictly, the same content.
    const again = parseArchiveFile(writeArchiveFile(doc), doc.name)
    expect(again).toEqual({ ...doc, warnings: [] })
  })

  it('reads a title over several lines, and writes it back so it reads the same', () => {
    const doc = fixture('multi-line-title.md')
    expect(doc.frontMatter?.title).toBe('跨行的 标题')
    expect(parseArchiveFile(writeArchiveFile(doc), doc.name)).toEqual(doc)
  })

  it('reads tags and categories written as a string or as a list', () => {
    const asString = parseArchiveFile(
      '---\ntitle: t\ntags: 示例日报, news\ncategories: 示例日报\n---\nx',
      'a.md',
    )
    expect(archivePost(asString)).toMatchObject({
      tags: ['示例日报', 'news'],
      categories: ['示例日报'],
    })
    expect(archivePost(fixture('categories-news-generic.md')).categories).toContain('news')
  })

  it('keeps a title whose link line holds `](`: the URL is what follows the last `](`', () => {
    const doc = parseArchiveFile(
      '<!--1-->\n[a](b) [c](https://x.example/p)\n------\n\nbody',
      'a.md',
    )
    expect(doc.link).toEqual({ title: 'a](b) [c', url: 'https://x.example/p' })
    expect(parseArchiveFile(writeArchiveFile(doc), 'a.md')).toEqual(doc)
  })

  it('reads every example of the bundled archive and writes it back as the same document', () => {
    for (const entry of fs.readdirSync(EXAMPLES, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const name = path.relative(EXAMPLES, path.join(entry.parentPath, entry.name))
      const doc = parseArchiveFile(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'), name)
      expect({ name, doc: parseArchiveFile(writeArchiveFile(doc), name) }).toEqual({
        name,
        doc: { ...doc, warnings: [] },
      })
    }
  })
})

describe('writing the archive format', () => {
  it('writes a post as the mirror script did: key order, quoted title, lists, True, stamp and link line', () => {
    const doc = archiveDocument({
      name: 'x.md',
      title: 'A "quoted": title',
      date: '2025-02-10T20:00:20.000Z',
      from: 'https://news.example.org/a.html',
      tags: ['Wire'],
      categories: ['Wire'],
      feedTime: 1739217620000,
      body: '<div>\n<p>x</p>\n</div>\n',
    })
    expect(writeArchiveFile(doc)).toBe(
      [
        '---',
        'layout: post',
        'title: "A \\"quoted\\": title"',
        'date: 2025-02-10T20:00:20.000Z',
        'from: https://news.example.org/a.html',
        'tags: [ Wire ]',
        'comments: True',
        'categories: [ Wire ]',
        '---',
        '<!--1739217620000-->',
        '[A "quoted": title](https://news.example.org/a.html)',
        '------',
        '',
        '<div>\n<p>x</p>\n</div>\n',
      ].join('\n'),
    )
  })

  it('refuses a document it could not read back the same, naming the part', () => {
    const base = { name: 'a.md', body: 'x', warnings: [] }
    expect(() => writeArchiveFile({ ...base, body: '\n\nx' })).toThrow(ArchiveFormatError)
    expect(() => writeArchiveFile({ ...base, stamp: '12:00' })).toThrow('the stamp "12:00"')
    expect(() =>
      writeArchiveFile({ ...base, link: { title: 'two\nlines', url: 'https://x.example/' } }),
    ).toThrow('link-line title over several lines')
    expect(() => writeArchiveFile({ ...base, body: '<!--5-->x' })).toThrow('<!--stamp-->')
  })

  it('names a file as the archive does: UTC date, the first 50 UTF-16 units of the escaped title, / as --', () => {
    const date = new Date('2025-02-10T23:30:00-05:00')
    expect(archiveFileName(date, 'a/b "c"')).toBe('2025-02-11-a--b \\"c\\".md')
    expect(archiveFileName(date, '')).toBe('2025-02-11-.md')
    const long = `${'标'.repeat(49)}😀tail`
    // 49 units and the first half of a surrogate pair: the pair is not cut in two.
    expect(archiveFileName(date, long)).toBe(`2025-02-11-${'标'.repeat(49)}.md`)
  })
})
