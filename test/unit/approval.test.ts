import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  approvalFingerprint,
  canonicalJson,
  canonicalJsonWithHoles,
  fillCanonicalJson,
} from '../../collections/Posts/approval'
import { isPendingUpload } from '../../src/richtext/lexical'
import { draftContent, draftContentText, draftImageUrls } from '../../src/store/draft'
import { parseFile } from '../../src/importer/parse'
import { transform } from '../../src/importer/transform'

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

  it('gives the same text with holes filled in as written whole, for any value and any holes', () => {
    const tree = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('value', 'type', 'children', 'x'), tie('value'), {
          maxKeys: 4,
        }),
      ),
    })).value
    fc.assert(
      fc.property(tree, fc.integer(), (v, salt) => {
        // Every "value" key is a hole, filled with a value derived from what it held.
        const fill = (hole: unknown) => `${salt}:${JSON.stringify(hole ?? null)}`
        const filled = (x: unknown): unknown =>
          Array.isArray(x)
            ? x.map(filled)
            : x && typeof x === 'object'
              ? Object.fromEntries(
                  Object.entries(x).map(([k, y]) => [k, k === 'value' ? fill(y) : filled(y)]),
                )
              : x
        const holes = canonicalJsonWithHoles(v, (_holder, key) => key === 'value')
        expect(fillCanonicalJson(holes, fill)).toBe(canonicalJson(filled(v)))
      }),
      { numRuns: 2000 },
    )
  })

  it("a draft's content text with media ids filled in fingerprints the post as the hook does", () => {
    const fixtures = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../fixtures/importer',
    )
    let withImages = 0
    for (const name of fs.readdirSync(fixtures).filter((f) => f.endsWith('.md'))) {
      const raw = fs.readFileSync(path.join(fixtures, name), 'utf8')
      const result = transform(parseFile(raw, name), raw)
      if (!result.ok) continue
      const { draft } = result
      // The tree with the ids the sink links, in document order (a walk of the upload nodes).
      const content = draftContent(draft)
      const ids: number[] = []
      const link = (node: { type?: string; value?: unknown; children?: unknown[] }) => {
        if (isPendingUpload(node)) ids.push((node.value = 1000 + ids.length))
        for (const c of node.children ?? []) link(c as typeof node)
      }
      link(content.root as never)
      if (ids.length) withImages++
      // What the sink does: the ids filled into the draft's text in the order of its image URLs.
      expect(draftImageUrls(draft)).toHaveLength(ids.length)
      const contentJson = draftContentText(draft, (_url, i) => ids[i])
      expect(JSON.parse(contentJson)).toEqual(content)
      const post = { title: draft.title, content, slug: 's', tags: draft.tags }
      expect([name, approvalFingerprint(post as never, contentJson)]).toEqual([
        name,
        approvalFingerprint(post as never),
      ])
    }
    expect(withImages).toBeGreaterThan(3)
  })
})
