import { parse as parseYaml } from 'yaml'

import type { ArchiveDocument, ArchiveLink, FrontMatter } from './document'

const FM_OPEN = /^---[ \t]*\n/
const FM_CLOSE = /\n---[ \t]*(?:\n|$)/
/** The stamp: epoch ms, `NaN`, or a negative number (a feed time before 1970). */
export const STAMP = /^\s*<!--\s*(\d{9,}|NaN|-?\d+)\s*-->[ \t]*\n?/
export const LINK_LINE = /^\s*\[(.*)\]\((.*)\)[ \t]*\n[ \t]*-{3,}[ \t]*(?:\n|$)/
/** What is cut before the body: blank lines (a body keeps the indentation of its first line). */
export const LEADING_BLANK = /^\s*\n/

/** Splits raw front matter off; returns [frontMatterText, rest] or undefined. */
const splitFrontMatter = (text: string): [string, string] | undefined => {
  if (!FM_OPEN.test(text)) return undefined
  const start = text.indexOf('\n') + 1
  const m = FM_CLOSE.exec(text.slice(start - 1))
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
export const lenientFrontMatter = (text: string): FrontMatter => {
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
  const result: FrontMatter = {}
  for (const [k, v] of Object.entries(out)) {
    const joined = v.replace(/\s*\n\s*/g, ' ').trim()
    result[k] = k === 'tags' || k === 'categories' ? flowList(joined) : unquote(joined)
  }
  return result
}

/** YAML 1.2's core schema: no timestamps (dates stay the text written), `True` is a boolean. */
export const YAML_OPTIONS = { schema: 'core', uniqueKeys: false, prettyErrors: false } as const

const readFrontMatter = (text: string, warnings: string[]): FrontMatter => {
  try {
    const parsed = parseYaml(text, YAML_OPTIONS) as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as FrontMatter
    warnings.push('front matter is not a YAML mapping; read leniently')
  } catch {
    // YAML refused it (quotes inside a title, a title over several lines): read it line by line.
    warnings.push('front matter is not valid YAML; read leniently')
  }
  return lenientFrontMatter(text)
}

/**
 * Reads one archive file (`name`: its path relative to the archive folder). Never throws on odd
 * input: what cannot be read strictly is read leniently, with a warning. A BOM and CRLF line endings
 * are not content.
 */
export const parseArchiveFile = (raw: string, name: string): ArchiveDocument => {
  const warnings: string[] = []
  let text = raw.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n')
  let frontMatter: FrontMatter | undefined
  const split = splitFrontMatter(text)
  if (split) {
    frontMatter = readFrontMatter(split[0], warnings)
    text = split[1]
  }

  let stamp: string | undefined
  const stampMatch = STAMP.exec(text)
  if (stampMatch) {
    stamp = stampMatch[1]
    text = text.slice(stampMatch[0].length)
  }

  let link: ArchiveLink | undefined
  const linkMatch = LINK_LINE.exec(text)
  if (linkMatch) {
    // The title may itself contain `](`: the URL is what follows the last `](` on the line.
    const whole = `${linkMatch[1]}](${linkMatch[2]}`
    const cut = whole.lastIndexOf('](')
    link = { title: whole.slice(0, cut), url: whole.slice(cut + 2).trim() }
    text = text.slice(linkMatch[0].length)
  }

  return {
    name,
    ...(frontMatter !== undefined && { frontMatter }),
    ...(stamp !== undefined && { stamp }),
    ...(link !== undefined && { link }),
    body: text.replace(LEADING_BLANK, ''),
    warnings,
  }
}
