import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'

import { approvalFingerprint, canonicalJson } from '../../collections/Posts/approval'

/**
 * Stored approval fingerprints (posts.approvedFingerprint) are hashes of `canonicalJson`'s text: a
 * change to that text would make every approved post look edited and refuse its publication. This
 * is the first version's function, the reference the faster one must equal.
 */
const firstCanonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(firstCanonicalJson).join(',')}]`
  if (value != null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${firstCanonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

describe('the approval fingerprint', () => {
  it('writes exactly the text the first version wrote, for any JSON with undefined values and holes', () => {
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        fc.constant(undefined),
        fc.sparseArray(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 5 }),
      ),
    })).value
    fc.assert(
      fc.property(withUndefined, (v) => {
        expect(canonicalJson(v)).toBe(firstCanonicalJson(v))
      }),
      { numRuns: 3000 },
    )
  })

  it('gives the fingerprint stored by the first version for the same post', () => {
    const post = {
      title: '标题 "quoted"',
      content: {
        root: {
          type: 'root',
          children: [
            {
              type: 'paragraph',
              children: [{ type: 'text', text: '正文 \u2028 😀', format: 0, detail: 0 }],
              direction: null,
            },
            { type: 'upload', value: 7, relationTo: 'media', fields: null },
          ],
        },
      },
      excerpt: '',
      authors: [{ id: 3, name: 'x' }, 4],
      source: { id: 2 },
      sourceUrl: 'https://news.example.org/a/1.html',
      categories: [],
      tags: ['a', 'b'],
      slug: 'biao-ti',
      heroImage: null,
    }
    // Computed with the first version (commit 9aa23d5).
    expect(approvalFingerprint(post as never)).toBe(
      'e35254a421e2069abcdff99708c4fdeba1eaba556a2fd7bde752f2bce748df87',
    )
  })
})
