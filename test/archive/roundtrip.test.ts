import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'

import {
  canonicalContent,
  parseArchiveFile,
  writeArchiveFile,
  type ArchiveDocument,
  type FrontMatter,
} from '../../src/archive'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/importer')

// Text as the archive has it: CJK, quotes, colons, brackets, `#`, `---`, YAML look-alikes, control
// and zero-width characters, U+2028, emoji (surrogate pairs), U+3000. No lone surrogates: the
// files are valid UTF-8.
const pieces = fc.constantFrom(
  '日本経済新聞',
  '人才来自中国',
  '“引号”',
  '"',
  "'",
  '\\',
  ': ',
  ':',
  '[ ',
  ']',
  '](',
  '(',
  ')',
  '#',
  '---',
  '- ',
  '{{ x }}',
  'True',
  'null',
  '123',
  '&amp;#21328;',
  '\u3000',
  '\u200b',
  '\u2028',
  '\u0001',
  '\u0085',
  '\ufffd',
  '😀',
  ' ',
  '\t',
  '\n',
  'a',
  'Reuters',
)
const text = fc
  .array(fc.oneof(pieces, fc.string({ unit: 'grapheme', maxLength: 6 })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''))
const line = text.map((s) => s.replace(/[\r\n\u2028\u2029\u0085]/g, ' '))

const date = fc.oneof(
  fc
    .date({
      min: new Date('1995-01-01T00:00:00Z'),
      max: new Date('2030-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2020-06-01T08:00:00+01:00',
    '2019-10-14',
    '2020-06-01T12:00:00Z',
    '2020-06-01 12:00:00 +0800',
    '2014-03-02T23:59:59.123-05:30',
  ),
)
const labels = fc.oneof(fc.array(line, { maxLength: 3 }), line)

const frontMatter: fc.Arbitrary<FrontMatter> = fc
  .record(
    {
      layout: fc.constant('post'),
      title: text,
      date,
      author: text,
      from: fc.webUrl({ withQueryParameters: true, withFragments: true }),
      tags: labels,
      comments: fc.boolean(),
      categories: labels,
      extra: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })),
    },
    { requiredKeys: [] },
  )
  .map((fm) => fm as FrontMatter)

// A link line holds one line; its URL no spaces and no `](`.
const link = fc.record({
  title: line,
  url: fc.oneof(fc.webUrl(), fc.constant('https://zh.example.org/新闻/一.html?q=(1)')),
})

// A body never starts with a blank line (the format has none before it); otherwise anything.
const body = fc
  .array(
    fc.oneof(
      text,
      fc.constantFrom('<div>', '</div>', '<p>段落</p>', '\n', '<!--1-->', '[a](b)\n---'),
    ),
    {
      maxLength: 10,
    },
  )
  .map((parts) => parts.join('').replace(/\r/g, ''))
  .filter((b) => !/^\s*\n/.test(b))

const document: fc.Arbitrary<ArchiveDocument> = fc
  .record(
    {
      name: fc.constantFrom('_posts/2025-02-10-标题.md', '_posts/RFI/123_旧.md', 'a.md'),
      frontMatter,
      stamp: fc.oneof(
        fc.constant('NaN'),
        fc.integer({ min: 0, max: 4_102_444_800_000 }).map(String),
      ),
      link,
      body,
      warnings: fc.constant<string[]>([]),
    },
    { requiredKeys: ['name', 'body', 'warnings'] },
  )
  // Without a header before it, a body that looks like one would be read as one: not a document.
  .filter((d) => {
    try {
      writeArchiveFile(d)
      return true
    } catch {
      return false
    }
  })

describe('the archive format round trip', () => {
  it('reads back every document it writes: parse(write(x)) = x', () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(parseArchiveFile(writeArchiveFile(doc), doc.name)).toEqual(doc)
      }),
      { numRuns: 1000 },
    )
  })

  it('reads back front-matter values that end in blanks and line breaks (found by the property above)', () => {
    for (const author of [' \n', '\n', ' \t\n ', 'a\n\n', '\n\n x '] as const) {
      const doc = {
        name: '_posts/2025-02-10-标题.md',
        frontMatter: { author },
        body: '',
        warnings: [],
      }
      expect(parseArchiveFile(writeArchiveFile(doc as never), doc.name)).toEqual(doc)
    }
  })

  it('writes the same text for the same content: write(parse(write(x))) = write(x)', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const text = writeArchiveFile(doc)
        expect(writeArchiveFile(parseArchiveFile(text, doc.name))).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  it('reads every fixture file back as the same content once written', () => {
    for (const name of fs.readdirSync(FIXTURES).filter((n) => n.endsWith('.md'))) {
      const doc = parseArchiveFile(fs.readFileSync(path.join(FIXTURES, name), 'utf8'), name)
      const again = parseArchiveFile(writeArchiveFile(doc), name)
      expect({ name, content: canonicalContent(again) }).toEqual({
        name,
        content: canonicalContent(doc),
      })
    }
  })
})
