/**
 * Feed dates: RFC 822/1123 (RSS `pubDate`, with the zone names feeds use) and W3C-DTF / RFC 3339
 * (Atom, `dc:date`, JSON Feed), plus the two unambiguous forms other generators write in `pubDate`:
 * year first with slashes (`2020/1/10 14:33:00`, common in Chinese-language feeds) and month name
 * first (`Sat, Dec 16 2023 02:02:33 PM`, with or without a 12-hour clock). Day-first or month-first
 * numbers (`01/02/2020`) and anything else are refused rather than guessed: V8's `Date.parse` reads
 * `Sun, Dec x 2012` as 2012-12-01, and a wrong date on a post is worse than none. A date without a
 * zone is read as UTC, in every form.
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  sept: 8,
  oct: 9,
  nov: 10,
  dec: 11,
}

const FULL_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
]

/** Zone names seen in feeds, in hours east of UTC. RFC 822's own (UT, GMT, E/C/M/P S/D T) first. */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -5,
  EDT: -4,
  CST: -6,
  CDT: -5,
  MST: -7,
  MDT: -6,
  PST: -8,
  PDT: -7,
  AKST: -9,
  AKDT: -8,
  HST: -10,
  AST: -4,
  ADT: -3,
  NST: -3.5,
  NDT: -2.5,
  WET: 0,
  WEST: 1,
  BST: 1,
  IST: 5.5,
  CET: 1,
  CEST: 2,
  MET: 1,
  MEST: 2,
  MEZ: 1,
  MESZ: 2,
  EET: 2,
  EEST: 3,
  MSK: 3,
  HKT: 8,
  SGT: 8,
  AWST: 8,
  JST: 9,
  KST: 9,
  ACST: 9.5,
  ACDT: 10.5,
  AEST: 10,
  AEDT: 11,
  NZST: 12,
  NZDT: 13,
}

const offsetMinutes = (zone: string | undefined): number | undefined => {
  if (!zone) return 0
  const z = zone.toUpperCase()
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(z)
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3])
    return numeric[1] === '-' ? -minutes : minutes
  }
  const named = /^(?:UTC|GMT)([+-]\d{1,2})(?::?(\d{2}))?$/.exec(z)
  if (named)
    return (
      Math.sign(Number(named[1]) || 1) * (Math.abs(Number(named[1])) * 60 + Number(named[2] ?? 0))
    )
  return z in ZONES ? ZONES[z] * 60 : undefined
}

/** Epoch ms from the parts, or undefined when a part is out of range (no rolling 31 Feb into March). */
const build = (
  year: number,
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
  ms: number,
  offset: number,
): number | undefined => {
  if (h > 24 || m > 59 || s > 60 || day < 1 || month < 0 || month > 11) return undefined
  const local = Date.UTC(year, month, day, h, m, Math.min(s, 59), ms)
  const d = new Date(local)
  if (d.getUTCDate() !== day && !(h === 24 && m === 0)) return undefined
  if (year < 1970 || year > 2200) return undefined
  return local - offset * 60_000
}

const RFC822 =
  /^(?:[A-Za-z]{2,9}\.?,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2}|\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*([A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?$/

const W3CDTF =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?)?)?)?$/i

const ZONE = String.raw`([A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})`

/** Year first, with slashes: `2020/1/10 14:33:00`, `2020/01/10`. */
const SLASHED = new RegExp(
  String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})(?:[T\s](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*${ZONE}?$`,
)

/** Month name first: `Dec 16 2023 02:02:33 PM`, `Sat, December 16, 2023 14:02 GMT`. */
const MONTH_FIRST = new RegExp(
  String.raw`^(?:[A-Za-z]{2,9}\.?,?\s*)?([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?\s*${ZONE}?$`,
)

/** The month of a name: "Dec", "Sept", "December"; not "Decx". */
const monthOf = (mon: string): number | undefined => {
  const name = mon.toLowerCase()
  const month = MONTHS[name.slice(0, 3)]
  if (month === undefined || !(name.length === 3 || FULL_MONTHS[month].startsWith(name)))
    return undefined
  return month
}

/** Parses a feed date; undefined for anything not in a known form. */
export const parseFeedDate = (raw: string | undefined): number | undefined => {
  const s = raw?.trim().replace(/\s+/g, ' ')
  if (!s) return undefined
  const iso = W3CDTF.exec(s)
  if (iso) {
    const [, y, mo, d, h, mi, sec, frac, zone] = iso
    const z = zone && /^[+-]\d{2}$/.test(zone) ? `${zone}00` : zone
    const offset = offsetMinutes(z)
    if (offset === undefined) return undefined
    return build(
      Number(y),
      mo ? Number(mo) - 1 : 0,
      d ? Number(d) : 1,
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(sec ?? 0),
      frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
      offset,
    )
  }
  const rfc = RFC822.exec(s)
  if (rfc) {
    const [, d, mon, y, h, mi, sec, zone] = rfc
    const month = monthOf(mon)
    if (month === undefined) return undefined
    const offset = offsetMinutes(zone)
    if (offset === undefined) return undefined
    let year = Number(y)
    if (y.length === 2) year += year < 70 ? 2000 : 1900
    return build(
      year,
      month,
      Number(d),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(sec ?? 0),
      0,
      offset,
    )
  }
  const slashed = SLASHED.exec(s)
  if (slashed) {
    const [, y, mo, d, h, mi, sec, zone] = slashed
    const offset = offsetMinutes(zone)
    if (offset === undefined) return undefined
    return build(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(sec ?? 0),
      0,
      offset,
    )
  }
  const monthFirst = MONTH_FIRST.exec(s)
  if (monthFirst) {
    const [, mon, d, y, h, mi, sec, half, zone] = monthFirst
    const month = monthOf(mon)
    const offset = offsetMinutes(zone)
    if (month === undefined || offset === undefined) return undefined
    let hour = Number(h ?? 0)
    if (half) {
      // A 12-hour clock: 12 AM is midnight, 12 PM noon; 0 or 13 with AM/PM is not a time.
      if (hour < 1 || hour > 12) return undefined
      hour = (hour % 12) + (/p/i.test(half) ? 12 : 0)
    }
    return build(Number(y), month, Number(d), hour, Number(mi ?? 0), Number(sec ?? 0), 0, offset)
  }
  return undefined
}
