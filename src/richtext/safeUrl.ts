import { decodeHTML } from 'entities'

/**
 * The one place that decides whether a URL may be stored or rendered. Every URL a writer can type
 * (links, embeds, media, sources, a post's original URL) and every URL the renderers emit goes
 * through here, so a check cannot disagree with what a browser will do with the same string.
 *
 * Browsers read a URL with the WHATWG URL parser (https://url.spec.whatwg.org/#concept-basic-url-parser),
 * which first strips leading and trailing C0 controls and spaces and removes every ASCII tab and
 * newline: `"java\tscript:alert(1)"` and `"\u0001javascript:alert(1)"` are both `javascript:` to a
 * browser. So the same steps run here, then `new URL`, and only the resulting scheme is judged. A
 * value that an HTML consumer might entity-decode first (`javascript&#58;…`) is judged both ways.
 */

/** What a URL is for; each use allows different schemes and forms. */
export type UrlUse =
  /** `<a href>` in content: http(s), mailto, and relative links (`/path`, `#anchor`, `?q`). */
  | 'link'
  /** `<img src>` in content: http(s), relative (our own media files) and inline `data:image/...`. */
  | 'image'
  /** A player or media file (`<iframe>`, `<video>`, `<audio>`): absolute http(s) only. */
  | 'embed'
  /** A stored address of a page or file elsewhere (homepage, feed, original article, external image): absolute http(s) only. */
  | 'web'

const SCHEMES: Record<UrlUse, readonly string[]> = {
  link: ['http:', 'https:', 'mailto:'],
  image: ['http:', 'https:'],
  embed: ['http:', 'https:'],
  web: ['http:', 'https:'],
}
const RELATIVE_ALLOWED: Record<UrlUse, boolean> = {
  link: true,
  image: true,
  embed: false,
  web: false,
}
/** Longest URL accepted; a longer one is refused rather than stored. */
export const MAX_URL_LENGTH = 8192

// Base for resolving relative URLs: only its scheme matters (a relative URL inherits https).
const BASE = 'https://relative.invalid/'
const LEADING_OR_TRAILING_C0_OR_SPACE = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g
const TAB_OR_NEWLINE = /[\t\n\r]/g
const SCHEME = /^([a-zA-Z][a-zA-Z\d+\-.]*):/
// Inline images the renderer may keep: raster formats and SVG (never scripted inside an <img>).
const DATA_IMAGE = /^data:image\/[a-z0-9.+-]+[;,]/i

/** The string a browser's URL parser actually reads: C0/space trimmed, tabs and newlines removed. */
export const browserUrlString = (raw: string): string =>
  raw.replace(LEADING_OR_TRAILING_C0_OR_SPACE, '').replace(TAB_OR_NEWLINE, '')

export type UrlVerdict =
  | {
      ok: true
      /** The URL to store or emit (absolute ones normalised by the URL parser). */ url: string
    }
  | { ok: false; /** Why, in words an editor can act on. */ reason: string }

const allowedDescription = (use: UrlUse): string =>
  use === 'link'
    ? 'an http(s) or mailto link, or a relative link'
    : use === 'image'
      ? 'an http(s) address, a relative path or an inline image'
      : 'an absolute http(s) address'

const judgeOne = (raw: string, use: UrlUse): UrlVerdict => {
  const cleaned = browserUrlString(raw)
  const refuse = (why: string): UrlVerdict => ({
    ok: false,
    reason: `${why}; it must be ${allowedDescription(use)}.`,
  })
  if (!cleaned) return refuse('The URL is empty')
  if (cleaned.length > MAX_URL_LENGTH)
    return refuse(`The URL is longer than ${MAX_URL_LENGTH} characters`)
  const scheme = SCHEME.exec(cleaned)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    if (!RELATIVE_ALLOWED[use]) return refuse(`"${preview(raw)}" is not an absolute address`)
    try {
      new URL(cleaned, BASE)
    } catch {
      return refuse(`"${preview(raw)}" is not a URL`)
    }
    return { ok: true, url: cleaned }
  }
  if (use === 'image' && scheme === 'data') {
    return DATA_IMAGE.test(cleaned)
      ? { ok: true, url: cleaned }
      : refuse('Only inline images may use "data:"')
  }
  let parsed: URL
  try {
    parsed = new URL(cleaned)
  } catch {
    return refuse(`"${preview(raw)}" is not a URL`)
  }
  if (!SCHEMES[use].includes(parsed.protocol)) {
    return refuse(`The "${parsed.protocol}" scheme is not allowed`)
  }
  if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.hostname) {
    return refuse(`"${preview(raw)}" has no host`)
  }
  return { ok: true, url: parsed.href }
}

/** At most 80 characters of the value, control characters shown as `\uXXXX`, for messages. */
const preview = (raw: string): string => {
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw
  return shown.replace(
    /[\u0000-\u001f\u007f"]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * Whether `raw` may be stored or emitted as a URL for `use`, and the form to use. A value that
 * changes meaning once HTML entities are decoded (`javascript&#58;…`, `&#106;avascript:`) must pass
 * both before and after decoding.
 */
export const judgeUrl = (raw: unknown, use: UrlUse): UrlVerdict => {
  if (typeof raw !== 'string') return { ok: false, reason: 'The URL must be text.' }
  const verdict = judgeOne(raw, use)
  if (!verdict.ok || !raw.includes('&')) return verdict
  const decoded = judgeOne(decodeHTML(raw), use)
  return decoded.ok ? verdict : decoded
}

/** The URL to emit for `use`, or `undefined` when it must not be emitted. */
export const safeUrl = (raw: unknown, use: UrlUse): string | undefined => {
  const verdict = judgeUrl(raw, use)
  return verdict.ok ? verdict.url : undefined
}

/**
 * What makes a text field a URL field: a `validate` that judges with `judgeUrl` and
 * `custom.urlUse`, which tests read to find every URL field of the config. Empty is fine (add
 * `required` to demand one). A value that is already stored is not judged again (records from
 * before this rule stay editable; renderers judge them on the way out).
 */
export const urlFieldProps = (use: UrlUse) => ({
  custom: { urlUse: use },
  validate: (value: unknown, options?: { previousValue?: unknown }): string | true => {
    if (value == null || value === '' || value === options?.previousValue) return true
    const verdict = judgeUrl(value, use)
    return verdict.ok ? true : verdict.reason
  },
})
