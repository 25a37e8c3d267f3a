/** URLs found in articles: hosts and references resolved against the article. */

import { browserUrlString, safeUrl } from '../richtext/safeUrl'

// Identity moved to the store (src/store/identity.ts); re-exported for the importer's stages.
export { normaliseUrl } from '../store/identity'

/** The host of a URL, lower case, or undefined. */
export const hostOf = (url: string | undefined): string | undefined => {
  if (!url) return undefined
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * Resolves an image or link reference found in an article against the article's URL: protocol- and
 * root-relative forms included. Returns undefined for what cannot be made an http(s) or data:image
 * URL, judged as a browser reads it (src/richtext/safeUrl.ts: `java\tscript:` is `javascript:`).
 */
export const resolveAgainst = (ref: string, base: string | undefined): string | undefined => {
  const r = browserUrlString(ref.trim())
  if (!r) return undefined
  if (/^data:image\//i.test(r)) return r
  let absolute: string
  try {
    absolute = base ? new URL(r, base).href : r.startsWith('//') ? `https:${r}` : r
  } catch {
    return undefined
  }
  return safeUrl(absolute, 'web')
}
