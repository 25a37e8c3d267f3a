import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'

import { bigramRecall } from '../../src/richtext/similarity'

/**
 * The acceptance check's own recall (`$SHARED_DIR/tools/fidelity.mjs`, `recall`), restated: pairs of
 * UTF-16 code units as two-character strings, whitespace removed. The importer's loss guard must
 * count exactly as it does.
 */
const judgeRecall = (a: string, b: string): number => {
  const pairs = (s: string) => {
    const m = new Map<string, number>()
    const t = s.replace(/\s+/g, '')
    for (let k = 0; k + 2 <= t.length; k++) {
      const g = t.slice(k, k + 2)
      m.set(g, (m.get(g) ?? 0) + 1)
    }
    return m
  }
  const ra = pairs(a)
  const rb = pairs(b)
  let hit = 0
  let all = 0
  for (const [g, n] of ra) {
    all += n
    hit += Math.min(n, rb.get(g) ?? 0)
  }
  return all ? hit / all : 1
}

describe('bigramRecall', () => {
  it('counts exactly as the acceptance check does, surrogate pairs and whitespace included', () => {
    // Text drawn from a few characters, so pairs repeat and partly match.
    const text = fc
      .array(
        fc.constantFrom('新', '闻', 'a', 'B', ' ', '\n', '\u3000', '😀', '𠀀', '\ud800', '。'),
        {
          maxLength: 60,
        },
      )
      .map((cs) => cs.join(''))
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(bigramRecall(a, b)).toBe(judgeRecall(a, b))
      }),
      { numRuns: 2000 },
    )
  })

  it('is 1 for a text kept whole and 0 for a text lost', () => {
    expect(bigramRecall('市政府周二宣布', '市政府周二宣布')).toBe(1)
    expect(bigramRecall('市政府周二宣布', '')).toBe(0)
    expect(bigramRecall('', 'anything')).toBe(1)
  })
})
