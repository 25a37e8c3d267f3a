import { describe, expect, it } from '@jest/globals'

import { slugify, slugOrFallback } from '../../src/lib/slug'

describe('slugify', () => {
  it('keeps Chinese characters so a Chinese title gives a readable slug', () => {
    expect(slugify('AI研究美国一强的真相,人才来自中国')).toBe('ai研究美国一强的真相-人才来自中国')
  })
  it('joins words with single dashes and trims them', () => {
    expect(slugify('  Hello,   World!  ')).toBe('hello-world')
  })
  it('folds full-width forms', () => {
    expect(slugify('ＡＢＣ１２３')).toBe('abc123')
  })
  it('never returns an empty slug through the fallback', () => {
    expect(slugify('!!!')).toBe('')
    expect(slugOrFallback('!!!', 'post')).toMatch(/^post-[0-9a-f]{8}$/)
  })
  it('cuts long titles at a code point, not inside a surrogate pair', () => {
    const s = slugify('𠀀研'.repeat(100), 10)
    expect(Array.from(s)).toHaveLength(10)
  })
})
