import path from 'node:path'

import { parse as parseYaml } from 'yaml'

import { cleanLabel } from './clean'

/** One archive file split into its parts. Pure: no I/O, no Payload. */
export type ParsedFile = {
  /** The file's path relative to the archive folder. */
  file: string
  /** Front matter as parsed (`{}` for legacy files without one). */
  frontMatter: Record<string, unknown>
  hasFrontMatter: boolean
  title: string
  /** The `date:` value as written. */
  rawDate?: string
  author?: string
  /** `from:` (newest format) or the link line's URL (legacy files). */
  url?: string
  /** The link line `[title](url)` under the stamp, when present. */
  linkTitle?: string
  linkUrl?: string
  tags: string[]
  categories: string[]
  /** The `<!--ms-->` stamp: a number, `NaN` when the feed had no date, undefined when absent. */
  feedTimestamp?: number
  /** The stamp as written (`NaN`, digits). */
  rawStamp?: string
  body: string
  /** For legacy files under `_posts/<outlet>/<id>_<title>.md`: the outlet folder. */
  folderOutlet?: string
  /** `YYYY-MM-DD` from the file name, when it starts with one. */
  fileDate?: string
  warnings: string[]
}

const FM_OPEN = /^---[ \t]*\n/

/** Splits raw front matter off; returns [frontMatterText, rest] or undefined. */
const splitFrontMatter = (text: string): [string, string] | undefined => {
  if (!FM_OPEN.test(text)) return undefined
  const start = text.indexOf('\n') + 1
  const m = /\n---[ \t]*(?:\n|$)/.exec(text.slice(start - 1))
  if (!m) return undefined
  const end = start - 1 + m.index
  return [text.slice(start, end + 1), text.slice(end + m[0].length)]
}

const unquote = (v: string): string => {
  const s = v.trim()
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    return s
      .slice(1, -1)
      .replace(/\\(["\\/])/g, '$1')
      .replace(/\\n/g, ' ')
      .replace(/\\t/g, ' ')
  }
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'"))
    return s.slice(1, -1).replace(/''/g, "'")
  return s
}

const flowList = (v: string): string[] => {
  const s = v.trim()
  if (s.startsWith('[') && s.endsWith(']')) {
    return s
      .slice(1, -1)
      .split(',')
      .map((x) => unquote(x))
      .filter(Boolean)
  }
  return s ? [unquote(s)] : []
}

/**
 * A tolerant reader for front matter YAML refuses (broken quoting, titles over several lines):
 * `key: value` lines at column 0; any other line continues the previous value.
 */
export const lenientFrontMatter = (text: string): Record<string, unknown> => {
  const out: Record<string, string> = {}
  let key: string | undefined
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][\w-]*):(?:\s(.*)|$)/.exec(line)
    if (m) {
      key = m[1]
      out[key] = m[2] ?? ''
    } else if (key) {
      out[key] += `\n${line}`
    }
  }
  const result: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(out)) {
    const joined = v.replace(/\s*\n\s*/g, ' ').trim()
    result[k] = k === 'tags' || k === 'categories' ? flowList(joined) : unquote(joined)
  }
  return result
}

const asList = (v: unknown): string[] => {
  if (v == null) return []
  const items = Array.isArray(v) ? v : typeof v === 'string' && v.includes(',') ? v.split(',') : [v]
  return items.map((x) => cleanLabel(x)).filter(Boolean)
}

const asString = (v: unknown): string | undefined => {
  if (v == null) return undefined
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString()
  const s = String(v).trim()
  return s || undefined
}

const STAMP = /^\s*<!--\s*(\d{9,}|NaN|-?\d+)\s*-->[ \t]*\n?/
const LINK_LINE = /^\s*\[(.*)\]\((.*)\)[ \t]*\n[ \t]*-{3,}[ \t]*(?:\n|$)/

/** The file-name date of `2020-07-23-title.md`. */
const fileDateOf = (file: string): string | undefined => {
  const m = /^(\d{4}-\d{2}-\d{2})-/.exec(path.basename(file))
  return m?.[1]
}

/**
 * Parses one archive file. Never throws on odd input: what cannot be read becomes a warning and the
 * transform stage decides whether the post is usable. `readWarnings` (what reading the file found, e.g.
 * invalid UTF-8) start the file's warnings.
 */
export const parseFile = (raw: string, file: string, readWarnings: string[] = []): ParsedFile => {
  const warnings = [...readWarnings]
  let text = raw.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n')
  let frontMatter: Record<string, unknown> = {}
  let hasFrontMatter = false
  const split = splitFrontMatter(text)
  if (split) {
    hasFrontMatter = true
    const [fm, rest] = split
    text = rest
    try {
      const parsed = parseYaml(fm, {
        schema: 'core',
        uniqueKeys: false,
        prettyErrors: false,
      }) as unknown
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        frontMatter = parsed as Record<string, unknown>
      } else {
        frontMatter = lenientFrontMatter(fm)
        warnings.push('front matter is not a YAML mapping; read leniently')
      }
    } catch {
      // YAML refused it (quotes inside a title, a title over several lines): read it line by line.
      frontMatter = lenientFrontMatter(fm)
      warnings.push('front matter is not valid YAML; read leniently')
    }
  }

  let feedTimestamp: number | undefined
  let rawStamp: string | undefined
  const stamp = STAMP.exec(text)
  if (stamp) {
    rawStamp = stamp[1]
    feedTimestamp = rawStamp === 'NaN' ? Number.NaN : Number(rawStamp)
    text = text.slice(stamp[0].length)
  }

  let linkTitle: string | undefined
  let linkUrl: string | undefined
  const link = LINK_LINE.exec(text)
  if (link) {
    // The title may itself contain `](`: the URL is what follows the last `](` on the line.
    const whole = `${link[1]}](${link[2]}`
    const cut = whole.lastIndexOf('](')
    linkTitle = whole.slice(0, cut)
    linkUrl = whole.slice(cut + 2).trim()
    text = text.slice(link[0].length)
  }

  const folder = path.basename(path.dirname(file))
  const folderOutlet =
    !hasFrontMatter && folder !== '.' && folder !== '_posts' && folder !== 'archived'
      ? folder
      : undefined

  const title = cleanLabel(frontMatter.title ?? linkTitle ?? '')
  return {
    file,
    frontMatter,
    hasFrontMatter,
    title,
    rawDate: asString(frontMatter.date),
    author: asString(frontMatter.author) ? cleanLabel(frontMatter.author) : undefined,
    url: asString(frontMatter.from) ?? linkUrl,
    linkTitle,
    linkUrl,
    tags: asList(frontMatter.tags),
    categories: asList(frontMatter.categories),
    feedTimestamp,
    rawStamp,
    body: text.replace(/^\s*\n/, ''),
    folderOutlet,
    fileDate: fileDateOf(file),
    warnings,
  }
}
