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

/** JSON with object keys sorted, so the same content always gives the same text. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value != null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** A SHA-256 of the reader-visible fields of `post`: equal exactly when an editor would see the same post. */
export const approvalFingerprint = (post: Partial<Post>): string => {
  const visible: Record<string, unknown> = {}
  for (const field of APPROVED_FIELDS) {
    const value = post[field]
    // Nothing is nothing, however a client spells it (null, undefined, '', []).
    if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) continue
    visible[field] = Array.isArray(value) ? value.map(idOf) : idOf(value)
  }
  return createHash('sha256').update(canonicalJson(visible)).digest('hex')
}
