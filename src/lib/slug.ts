import { createHash } from 'node:crypto'

/**
 * A readable URL slug that keeps letters and digits of every script, so a Chinese title gives a
 * Chinese slug instead of the empty string an ASCII-only slugify would produce.
 * Browsers show such paths as typed and percent-encode them on the wire.
 */
export const slugify = (input: string, maxLength = 80): string => {
  const s = input
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’‘"“”]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
  // Cut at code points, never inside a surrogate pair.
  return Array.from(s).slice(0, maxLength).join('').replace(/-+$/, '')
}

/** A short stable suffix for inputs that have no letters or digits at all. */
export const shortHash = (input: string, length = 8): string =>
  createHash('sha1').update(input).digest('hex').slice(0, length)

/** `slugify`, never empty: falls back to `<prefix>-<hash of the input>`. */
export const slugOrFallback = (input: string, prefix: string): string =>
  slugify(input) || `${prefix}-${shortHash(input || String(Date.now()))}`

/** The candidates for a unique slug, in order: `base`, `base-2`, ... `base-<maxTries>`. */
const slugCandidates = function* (base: string, maxTries: number) {
  for (let i = 1; i <= maxTries; i++) yield i === 1 ? base : `${base}-${i}`
}

/** When every candidate is taken: a suffix nobody else will pick. */
const lastResortSlug = (base: string) =>
  `${base}-${shortHash(`${base}:${Date.now()}:${Math.random()}`)}`

/** `base`, `base-2`, `base-3`, ... : the first candidate for which `taken` answers false. */
export const firstFreeSlug = async (
  base: string,
  taken: (candidate: string) => Promise<boolean>,
  maxTries = 50,
): Promise<string> => {
  for (const candidate of slugCandidates(base, maxTries))
    if (!(await taken(candidate))) return candidate
  return lastResortSlug(base)
}

/** `firstFreeSlug` for a caller that knows every slug already (the importer keeps them in memory). */
export const firstFreeSlugSync = (
  base: string,
  taken: (candidate: string) => boolean,
  maxTries = 50,
): string => {
  for (const candidate of slugCandidates(base, maxTries)) if (!taken(candidate)) return candidate
  return lastResortSlug(base)
}
