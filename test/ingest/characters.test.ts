import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'

import { cleanLabel, stripJunk } from '../../src/lib/clean'
import { parseFile } from '../../src/importer/parse'
import { transform } from '../../src/importer/transform'
import { toArchiveDocument } from '../../src/ingest/document'
import { parseFeedDocument } from '../../src/feeds/parse'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ingest')
const FEED_URL = 'https://news.example.test/feeds/fa.xml'

const ZWNJ = '\u200c'
const ZWJ = '\u200d'
const PERSIAN = `می${ZWNJ}خواهم`
const FAMILY = `👨${ZWJ}👩${ZWJ}👧`
const HEART = '❤\ufe0f'

describe("the importer's cleanup keeps the characters that matter", () => {
  it('keeps zero-width non-joiners, joiners and variation selectors between characters', () => {
    expect(stripJunk(PERSIAN)).toBe(PERSIAN)
    expect(stripJunk(`family ${FAMILY} ${HEART}`)).toBe(`family ${FAMILY} ${HEART}`)
    expect(cleanLabel(`  ${PERSIAN} ${FAMILY}  `)).toBe(`${PERSIAN} ${FAMILY}`)
  })

  it('still strips true junk: controls, zero-width spaces, BOMs, joiners next to nothing', () => {
    expect(stripJunk(`a\u0000b\u200bc\ufeffd\u2060e\u0085f`)).toBe('abcdef')
    expect(cleanLabel(`${ZWJ}title ${ZWNJ} here${ZWJ}`)).toBe('title here')
  })

  it('a Persian feed item and an emoji family come through ingest to the draft unchanged', () => {
    const feed = parseFeedDocument(
      fs.readFileSync(path.join(FIXTURES, 'persian-emoji.xml'), 'utf8'),
      FEED_URL,
    )
    const [item] = feed.items
    expect(item.title).toBe(`${PERSIAN} ${FAMILY}`)
    const document = toArchiveDocument({ item, url: item.link!, outlet: 'Desk' })
    const result = transform(parseFile(document, 'fa.md'), document)
    if (!result.ok) throw new Error(`transform refused the item: ${JSON.stringify(result)}`)
    expect(result.draft.title).toBe(`${PERSIAN} ${FAMILY}`)
    expect(result.draft.contentHtml).toContain(PERSIAN)
    expect(result.draft.contentHtml).toContain(FAMILY)
    expect(result.draft.contentHtml).toContain(HEART)
    expect(result.draft.excerpt.length).toBeGreaterThan(0)
  })
})
