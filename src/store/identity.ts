/**
 * A post's identity: the keys the store finds it by (src/store/README.md).
 *
 * - `archiveKey` (`normaliseUrl`): the archive importer's identity and the `sourceUrl` of an archive
 *   post. The archive spells one article's URL several ways (http/https, host case, raw Unicode vs
 *   percent-encoding, `//` inside the path, tracking and share parameters): all map to one string.
 * - `matchKey`: the key of any link for matching only, stored in the post's own indexed field
 *   (`identity.url`). It ignores what does not change which page a reader gets: the scheme, the
 *   host's case, default ports, percent-escaping, and known tracking parameters. Nothing else: a
 *   fragment is kept (it distinguishes items that share a page), so is every other parameter.
 * - `identity.guid`: an item's guid within its source, when the guid is not its permalink.
 *
 * A post keeps its link exactly as the feed wrote it (`sourceUrl` of an ingested post).
 */

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
 * The archive's key of an article URL, or `undefined` when `raw` is not an http(s) URL.
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

/** The archive importer's key is `normaliseUrl`. */
export const archiveKey = (raw: string | undefined | null) => normaliseUrl(raw)

/** Parameters that only say where a click came from (the ones `matchKey` ignores). */
const CLICK_TRACKING = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'mc_cid',
  'mc_eid',
  'igshid',
  '_hsenc',
  '_hsmi',
])

const isClickTracking = (key: string): boolean => {
  const k = key.toLowerCase()
  return k.startsWith('utm_') || CLICK_TRACKING.has(k)
}

/** Percent-encodes a URL part canonically (decoded first), keeping `/` and what browsers keep. */
const canonicalPart = (s: string): string => s.split('/').map(canonicalSegment).join('/')

/**
 * The matching key of a link, or undefined when it is not an http(s) URL: `//host[:port]/path?query#fragment`
 * with the host in lower case, no default port, path, query and fragment canonically
 * percent-encoded, and click-tracking parameters (`utm_*`, `fbclid`, `gclid`, ...) removed.
 */
export const matchKey = (raw: string | undefined | null): string | undefined => {
  if (!raw) return undefined
  let u: URL
  try {
    u = new URL(String(raw).trim())
  } catch {
    return undefined
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
  const host = u.hostname.toLowerCase().replace(/\.$/, '')
  if (!host) return undefined
  const port = u.port && u.port !== '80' && u.port !== '443' ? `:${u.port}` : ''
  const params: string[] = []
  for (const part of u.search.replace(/^\?/, '').split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq))
    if (isClickTracking(key)) continue
    params.push(
      eq < 0
        ? encodeURIComponent(key)
        : `${encodeURIComponent(key)}=${encodeURIComponent(safeDecode(part.slice(eq + 1).replace(/\+/g, ' ')))}`,
    )
  }
  const fragment = u.hash.length > 1 ? `#${canonicalPart(u.hash.slice(1))}` : ''
  return `//${host}${port}${canonicalPart(u.pathname) || '/'}${params.length ? `?${params.join('&')}` : ''}${fragment}`
}

/** The host of a URL in lower case, without a trailing dot; undefined when it has none. */
export const hostOf = (url: string | undefined | null): string | undefined => {
  if (!url) return undefined
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '') || undefined
  } catch {
    return undefined
  }
}

const bare = (host: string) => host.replace(/^www\./, '')

/**
 * True when `host` is one of `known` or a subdomain of one, or one of them is a subdomain of it
 * (a feed on `feeds.example.com` for articles on `www.example.com` is one site: `example.com`).
 */
export const isKnownHost = (host: string, known: Iterable<string>): boolean => {
  const h = bare(host.toLowerCase())
  for (const k of known) {
    const b = bare(k.toLowerCase().replace(/\.$/, ''))
    if (!b) continue
    if (h === b || h.endsWith(`.${b}`) || b.endsWith(`.${h}`)) return true
    if (siteOf(h) === siteOf(b)) return true
  }
  return false
}

/**
 * The site a host belongs to: its last two labels, or three under a two-letter country code whose
 * second level is short (`bbc.co.uk`, `abc.net.au`). Numeric hosts are their own site.
 */
const siteOf = (host: string): string => {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return host
  const labels = host.split('.')
  if (labels.length <= 2) return host
  const tld = labels[labels.length - 1]
  const second = labels[labels.length - 2]
  const keep = tld.length === 2 && second.length <= 3 ? 3 : 2
  return labels.slice(-keep).join('.')
}
