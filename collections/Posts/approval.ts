import { createHash } from 'node:crypto'

import type { Post } from '../../src/payload-types'

/**
 * What readers see of a post, and so what an editor approves: a change to any of these after approval
 * needs an editor's eyes again. (`publishedAt` is the editor's schedule; `contentHtml` follows from
 * `content` and the media.)
 */
export const APPROVED_FIELDS = [
  'title',
  'content',
  'excerpt',
  'heroImage',
  'authors',
  'source',
  'sourceUrl',
  'categories',
  'tags',
  'slug',
] as const satisfies readonly (keyof Post)[]

/** A relationship as its id, whether populated or not. */
const idOf = (value: unknown): unknown =>
  value != null && typeof value === 'object' && !Array.isArray(value) && 'id' in value
    ? (value as { id: unknown }).id
    : value

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Canonical JSON text written as it is (a part computed earlier, see `CanonicalHoles`). */
class CanonicalText {
  constructor(readonly text: string) {}
}

/** Says whether `holder[key]` is left open (a hole) in the text being written. */
type HoleAt = (holder: Record<string, unknown>, key: string) => boolean

/**
 * JSON with object keys sorted (by UTF-16 code units), so the same content always gives the same
 * text; keys whose value is undefined are left out. Written into one list of parts and joined once:
 * nested template strings flattened each level of a post's content again, and the importer
 * fingerprints every post it publishes. Stored fingerprints depend on this text: it must not change
 * (test/unit/approval.test.ts holds it to the first version's output).
 */
const writeCanonicalJson = (
  value: unknown,
  out: string[],
  hole?: { at: HoleAt; found: (value: unknown) => void },
) => {
  if (value instanceof CanonicalText) {
    out.push(value.text)
    return
  }
  if (Array.isArray(value)) {
    out.push('[')
    for (let i = 0; i < value.length; i++) {
      if (i) out.push(',')
      // A hole in a sparse array is written as nothing, as the first version's join wrote it.
      if (i in value) writeCanonicalJson(value[i], out, hole)
    }
    out.push(']')
    return
  }
  if (value != null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort(byCodeUnits)
    out.push('{')
    for (let i = 0; i < keys.length; i++) {
      if (i) out.push(',')
      out.push(JSON.stringify(keys[i]), ':')
      if (hole?.at(record, keys[i])) hole.found(record[keys[i]])
      else writeCanonicalJson(record[keys[i]], out, hole)
    }
    out.push('}')
    return
  }
  out.push(String(JSON.stringify(value ?? null)))
}

export const canonicalJson = (value: unknown): string => {
  const out: string[] = []
  writeCanonicalJson(value, out)
  return out.join('')
}

/**
 * The canonical JSON text of a value with some of its values left open: `parts` around `holes`
 * (parts.length = holes.length + 1). The importer writes a post's content in its worker threads with
 * the image URLs of upload nodes open, and its writer fills in the media ids (`fillCanonicalJson`):
 * the main thread then never walks the content to fingerprint it.
 */
export type CanonicalHoles = { parts: string[]; holes: unknown[] }

export const canonicalJsonWithHoles = (value: unknown, at: HoleAt): CanonicalHoles => {
  const out: string[] = []
  const parts: string[] = []
  const holes: unknown[] = []
  writeCanonicalJson(value, out, {
    at,
    found: (v) => {
      parts.push(out.join(''))
      out.length = 0
      holes.push(v)
    },
  })
  parts.push(out.join(''))
  return { parts, holes }
}

/** The canonical JSON text of the value `canonicalJsonWithHoles` saw, each hole's value replaced by `fill`'s. */
export const fillCanonicalJson = (
  { parts, holes }: CanonicalHoles,
  fill: (hole: unknown) => unknown,
): string => {
  const out: string[] = [parts[0]]
  for (let i = 0; i < holes.length; i++) {
    writeCanonicalJson(fill(holes[i]), out)
    out.push(parts[i + 1])
  }
  return out.join('')
}

/**
 * A SHA-256 of the reader-visible fields of `post`: equal exactly when an editor would see the same
 * post. `contentJson`: the canonical JSON text of `post.content`, when the caller has it already.
 */
export const approvalFingerprint = (post: Partial<Post>, contentJson?: string): string => {
  const visible: Record<string, unknown> = {}
  for (const field of APPROVED_FIELDS) {
    const value = post[field]
    // Nothing is nothing, however a client spells it (null, undefined, '', []).
    if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) continue
    visible[field] =
      field === 'content' && contentJson !== undefined
        ? new CanonicalText(contentJson)
        : Array.isArray(value)
          ? value.map(idOf)
          : idOf(value)
  }
  return createHash('sha256').update(canonicalJson(visible)).digest('hex')
}
