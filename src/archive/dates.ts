/**
 * Date rules of the archive. `publishedAt` is the feed time (`<!--ms-->`) when it is a number, else
 * the front-matter `date`, else a `日期：` RFC-2822 date inside the body, else the file-name date.
 */

export type DateSource = 'feed' | 'front-matter' | 'body' | 'file-name' | 'none'

/**
 * Parses the date forms found in the archive: ISO with or without milliseconds, `Z` or `+01:00`,
 * date-only (midnight UTC), Jekyll's `2020-06-01 12:00:00 +0800`, and RFC-2822.
 */
export const parseArchiveDate = (raw: string | undefined): Date | undefined => {
  if (!raw) return undefined
  let s = raw.trim().replace(/^["']|["']$/g, '')
  if (!s) return undefined
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s = `${s}T00:00:00Z`
  // Jekyll form: space instead of T, offset without colon.
  const jekyll =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s)
  if (jekyll) {
    const [, d, t, z] = jekyll
    const time = t.length === 4 ? `0${t}` : t
    const zone = !z || z === 'Z' ? 'Z' : z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`
    s = `${d}T${time}${zone}`
  }
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) return undefined
  const date = new Date(ms)
  const year = date.getUTCFullYear()
  return year >= 1990 && year <= 2100 ? date : undefined
}

const BODY_DATE =
  /日期[：:]\s*([A-Z][a-z]{2},?\s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|GMT|UTC|Z)?)/

/** The `日期：` date some legacy bodies carry. */
export const bodyDate = (body: string): { raw: string; date: Date } | undefined => {
  const m = BODY_DATE.exec(body)
  if (!m) return undefined
  const date = parseArchiveDate(m[1])
  return date ? { raw: m[1], date } : undefined
}

export const choosePublishedAt = (input: {
  feedTimestamp?: number
  rawDate?: string
  body: string
  fileDate?: string
}): { date?: Date; source: DateSource; raw?: string } => {
  if (
    input.feedTimestamp != null &&
    Number.isFinite(input.feedTimestamp) &&
    input.feedTimestamp > 0
  ) {
    const d = new Date(input.feedTimestamp)
    if (!Number.isNaN(d.getTime()))
      return { date: d, source: 'feed', raw: String(input.feedTimestamp) }
  }
  const fm = parseArchiveDate(input.rawDate)
  if (fm) return { date: fm, source: 'front-matter', raw: input.rawDate }
  const inBody = bodyDate(input.body)
  if (inBody) return { date: inBody.date, source: 'body', raw: inBody.raw }
  const fromName = parseArchiveDate(input.fileDate)
  if (fromName) return { date: fromName, source: 'file-name', raw: input.fileDate }
  return { source: 'none' }
}
