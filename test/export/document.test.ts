import { describe, expect, it } from '@jest/globals'

import { parseArchiveFile, writeArchiveFile } from '../../src/archive'
import { exportName, postToArchiveDocument, type ExportPost } from '../../src/export/document'

/** The pure post -> archive document step of `npm run export` (src/export/document.ts). */

const source = {
  frontMatter: { layout: 'post', title: 'Original', from: 'https://news.example.org/a.html' },
  stamp: '1739217620000',
  link: { title: 'Original', url: 'https://news.example.org/a.html' },
  body: '<div>original body</div>\n',
}
const post = (over: Partial<ExportPost> = {}): ExportPost => ({
  id: 7,
  title: 'Original',
  publishedAt: '2025-02-10T20:00:20.000Z',
  sourceUrl: 'https://news.example.org/a.html',
  source: 'Example Daily',
  authors: [],
  categories: ['Example Daily', 'Politics'],
  tags: ['Example Daily'],
  contentHtml: '<p>edited body</p>',
  updatedAt: '2025-03-01T00:00:01.000Z',
  provenance: {
    archiveFile: '_posts/2025-02-10-Original.md',
    importedAt: '2025-03-01T00:00:00.000Z',
    source,
    frontMatter: { ...source.frontMatter, comments: true, custom: 'kept' },
  },
  ...over,
})

describe('a post as an archive document', () => {
  it('a post saved no later than its import is the document it was made from', () => {
    const out = postToArchiveDocument(post(), 'x.md')
    expect(out).toEqual({
      ok: true,
      from: 'source',
      document: { name: 'x.md', ...source, warnings: [] },
    })
  })

  it('a post saved after its import is written from its fields: the source first in categories, its HTML as the body', () => {
    const out = postToArchiveDocument(
      post({ title: 'Edited: "title"', updatedAt: '2025-03-02T00:00:00.000Z' }),
      'x.md',
    )
    if (!out.ok) throw new Error(out.reason)
    expect(out.from).toBe('post')
    const doc = parseArchiveFile(writeArchiveFile(out.document), 'x.md')
    expect(doc.frontMatter).toEqual({
      layout: 'post',
      title: 'Edited: "title"',
      date: '2025-02-10T20:00:20.000Z',
      author: 'Example Daily',
      from: 'https://news.example.org/a.html',
      tags: ['Example Daily'],
      comments: true,
      categories: ['Example Daily', 'Politics'],
      custom: 'kept',
    })
    expect(doc.stamp).toBe(String(Date.parse('2025-02-10T20:00:20.000Z')))
    expect(doc.body).toBe('<div>\n<p>edited body</p>\n</div>\n')
  })

  it('a post no import made, without an original URL, is not exported, with the reason', () => {
    expect(postToArchiveDocument(post({ provenance: null, sourceUrl: null }), 'x.md')).toEqual({
      ok: false,
      reason: expect.stringContaining('no Original URL'),
    })
  })

  it('is named as the archive file it came from (a backslash is part of a name), else <date>-<title>.md', () => {
    const named = (archiveFile: string | null) =>
      exportName(post({ provenance: { ...post().provenance, archiveFile } }))
    expect(named('_posts/美国之音/2001_a\\b.md')).toBe('_posts/美国之音/2001_a\\b.md')
    expect(named('../outside.md')).toBe('2025-02-10-Original.md')
    expect(named('/etc/passwd')).toBe('2025-02-10-Original.md')
    expect(named('_posts/./x.md')).toBe('2025-02-10-Original.md')
    expect(named(null)).toBe('2025-02-10-Original.md')
  })
})
