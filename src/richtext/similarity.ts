import { distance } from 'fastest-levenshtein'

/** Compared prefix length: Levenshtein is quadratic, and the acceptance check compares the same prefix. */
export const SIMILARITY_PREFIX = 40_000

const CHUNK = 4000

/**
 * Levenshtein distance, exact up to 4,000 characters; beyond, the sum over proportionally aligned
 * 4,000-character chunks (an upper bound, close for near-identical texts, and linear instead of
 * quadratic: a 40,000-character post costs milliseconds, not half a second).
 */
const chunkedDistance = (a: string, b: string): number => {
  if (a.length <= CHUNK || b.length <= CHUNK) return distance(a, b)
  const chunks = Math.ceil(Math.max(a.length, b.length) / CHUNK)
  let sum = 0
  for (let i = 0; i < chunks; i++) {
    const a0 = Math.round((a.length * i) / chunks)
    const a1 = Math.round((a.length * (i + 1)) / chunks)
    const b0 = Math.round((b.length * i) / chunks)
    const b1 = Math.round((b.length * (i + 1)) / chunks)
    const ca = a.slice(a0, a1)
    const cb = b.slice(b0, b1)
    if (ca !== cb) sum += distance(ca, cb)
  }
  return sum
}

/** 1 - normalised Levenshtein distance of two texts (their first 40,000 characters). */
export const textSimilarity = (a: string, b: string): number => {
  if (a === b) return 1
  const x = a.slice(0, SIMILARITY_PREFIX)
  const y = b.slice(0, SIMILARITY_PREFIX)
  const max = Math.max(x.length, y.length)
  if (max === 0) return 1
  // A common prefix and suffix do not change the edit distance; most differences are local.
  let start = 0
  const shorter = Math.min(x.length, y.length)
  while (start < shorter && x.charCodeAt(start) === y.charCodeAt(start)) start++
  let end = 0
  while (
    end < shorter - start &&
    x.charCodeAt(x.length - 1 - end) === y.charCodeAt(y.length - 1 - end)
  )
    end++
  const edits = chunkedDistance(x.slice(start, x.length - end), y.slice(start, y.length - end))
  // Beyond the compared prefix, a length difference still counts against the score.
  const tail = Math.abs(a.length - b.length) > Math.abs(x.length - y.length) ? 1 / max : 0
  return Math.max(0, 1 - edits / max - tail)
}

/**
 * The text's character pairs (UTF-16 code units, whitespace removed, as the acceptance check counts
 * them), each pair as one number: two code units make a 32-bit key. Numbers instead of two-character
 * strings made the loss guard, run on every post, three times faster.
 */
const bigrams = (s: string): Map<number, number> => {
  const m = new Map<number, number>()
  const t = s.replace(/\s+/g, '')
  for (let k = 0; k + 2 <= t.length; k++) {
    const g = t.charCodeAt(k) * 0x10000 + t.charCodeAt(k + 1)
    m.set(g, (m.get(g) ?? 0) + 1)
  }
  return m
}

/**
 * Share of `source`'s character pairs (with multiplicity, whitespace ignored) that `kept` also has:
 * how much of a text survives, blind to order and layout. The acceptance check (`fidelity.mjs`)
 * counts a post as lost by this very measure, so the importer uses it too. 1 when `source` has none.
 */
export const bigramRecall = (source: string, kept: string): number => {
  if (source === kept) return 1
  const want = bigrams(source)
  const have = bigrams(kept)
  let hit = 0
  let all = 0
  for (const [g, n] of want) {
    all += n
    hit += Math.min(n, have.get(g) ?? 0)
  }
  return all ? hit / all : 1
}
