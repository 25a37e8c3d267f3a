/**
 * URL identity: the archive spells one article's URL several ways (http/https, host case, raw Unicode
 * vs percent-encoding, `//` inside the path, tracking parameters). `normaliseUrl` maps them all to one
 * canonical string, the post's `sourceUrl`.
 */

import { browserUrlString, safeUrl } from '../richtext/safeUrl'

const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'spm',
  'from',
  'ref',
  'ref_src',
  'ref_url',
  'share',
  'at_medium',
  'at_campaign',
  'at_custom1',
  'at_custom2',
  'at_custom3',
  'at_custom4',
  'at_xtmc',
  'at_xtor',
  'xtor',
  'ocid',
  'cmpid',
  'rss',
  'feed',
])

const isTracking = (key: string): boolean => {
  const k = key.toLowerCase()
  return k.startsWith('utm_') || k.startsWith('at_') || TRACKING_PARAMS.has(k)
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    // Broken percent-encoding (a lone `%`): keep the segment as written.
    return s
  }
}

/** Percent-encodes one path segment canonically: decoded first, so raw and encoded forms agree. */
const canonicalSegment = (segment: string): string =>
  encodeURIComponent(safeDecode(segment))
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    // Characters that are legal and common in paths stay readable.
    .replace(/%(3A|40|2C|3B|3D|2B|24|26|21|27|28|29|2A)/g, (m) => decodeURIComponent(m))

/**
 * The canonical form of an article URL, or `undefined` when `raw` is not an http(s) URL.
 * https, lower-case host without a default port, `//` collapsed, path and query canonically
 * percent-encoded, tracking parameters and the fragment removed.
 */
export const normaliseUrl = (raw: string | undefined | null): string | undefined => {
  if (!raw) return undefined
  let s = String(raw).trim().replace(/\s+/g, '')
  // A doubled scheme (`https://http://host/...`) occurs in the archive.
  s = s.replace(/^(?:https?:\/\/)+(https?:\/\/)/i, '$1')
  if (s.startsWith('//')) s = `https:${s}`
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return undefined
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
  const host = u.hostname.toLowerCase().replace(/\.$/, '')
  if (!host) return undefined
  const port = u.port && u.port !== '80' && u.port !== '443' ? `:${u.port}` : ''
  const path = u.pathname
    .replace(/\/{2,}/g, '/')
    .split('/')
    .map(canonicalSegment)
    .join('/')
  const params: string[] = []
  for (const part of u.search.replace(/^\?/, '').split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq))
    if (isTracking(key)) continue
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '))
    params.push(
      eq < 0 ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
    )
  }
  return `https://${host}${port}${path || '/'}${params.length ? `?${params.join('&')}` : ''}`
}

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
