import { decodeHTML } from 'entities'

/**
 * Text cleanup shared by the archive's reader and the importer's transform. Pure functions, no Payload.
 */

// C0 controls except tab/newline/carriage return, DEL and the C1 block.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g
// Zero-width junk: ZWSP, word joiner, BOM; soft hyphen is invisible too.
const ZERO_WIDTH = /[\u200b\u2060\ufeff\u00ad]/g
// Zero-width (non-)joiners are text, not junk: Persian `می‌خواهم` needs its ZWNJ, an emoji family
// (👨‍👩‍👧) its ZWJs. Only one next to a space joins nothing. (A text node may end in one that joins
// across an inline element, so the edges of the string are left alone here.)
const STRAY_JOINER = /(?<=\s)[\u200c\u200d]+|[\u200c\u200d]+(?=\s)/g
const LINE_SEPARATORS = /[\u2028\u2029]/g

/**
 * Removes control characters and zero-width junk; U+2028/2029 become newlines. CJK text, U+3000, the
 * joiners between two characters and variation selectors (U+FE0E/FE0F: text or emoji presentation)
 * stay.
 */
export const stripJunk = (s: string): string =>
  s
    .replace(LINE_SEPARATORS, '\n')
    .replace(CONTROL, '')
    .replace(ZERO_WIDTH, '')
    .replace(STRAY_JOINER, '')

const ENTITY = /&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});/i

/** Decodes HTML entities, twice when the text was escaped twice (`&amp;#21328;`). */
export const decodeEntities = (s: string): string => {
  let out = s
  for (let i = 0; i < 3 && ENTITY.test(out); i++) {
    const next = decodeHTML(out)
    if (next === out) break
    out = next
  }
  return out
}

/** A single-line label (title, author, tag): entities decoded, junk stripped, whitespace collapsed. */
export const cleanLabel = (s: unknown): string =>
  stripJunk(decodeEntities(String(s ?? '')))
    .replace(/[\s\u00a0]+/g, ' ')
    .replace(/^[\s\u200c\u200d]+|[\s\u200c\u200d]+$/g, '')

/**
 * `value` with every U+0000 removed from its strings (keys too), at any depth: for what is kept
 * as-is (the raw front matter), since PostgreSQL refuses the character in `text` and `jsonb`.
 */
export const withoutNul = (value: unknown): unknown => {
  if (typeof value === 'string') return value.replaceAll('\u0000', '')
  if (Array.isArray(value)) return value.map(withoutNul)
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replaceAll('\u0000', ''), withoutNul(v)]),
    )
  }
  return value
}
