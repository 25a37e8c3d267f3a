import { Document, isScalar, isSeq } from 'yaml'

import type { ArchiveDocument, ArchiveSource } from './document'
import { LEADING_BLANK, LINK_LINE, STAMP, YAML_OPTIONS } from './parse'

/** A document the archive's format cannot hold as it is (the message names the part). */
export class ArchiveFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArchiveFormatError'
  }
}

/**
 * The front matter in the archive's style: the title double-quoted, tags and categories as
 * `[ a, b ]`, `True`, no folded lines. Any YAML would do for reading it back; this is what the
 * mirror script wrote.
 */
const frontMatterText = (frontMatter: Record<string, unknown>): string => {
  if (Object.keys(frontMatter).length === 0) return ''
  const doc = new Document(frontMatter, { schema: YAML_OPTIONS.schema })
  const title = doc.get('title', true)
  if (isScalar(title) && typeof title.value === 'string') title.type = 'QUOTE_DOUBLE'
  for (const key of Object.keys(frontMatter)) {
    const node = doc.get(key, true)
    if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true
  }
  // No block scalars: yaml 2.9 writes " \n" as a kept block (`|+`) that reads back as "\n"; a value
  // over several lines is double-quoted with escapes instead.
  return doc.toString({
    lineWidth: 0,
    trueStr: 'True',
    flowCollectionPadding: true,
    blockQuote: false,
  })
}

/** Refuses what the format would read back differently: the file would not be this document. */
const checkRepresentable = (doc: ArchiveSource): void => {
  const refuse = (what: string) => {
    throw new ArchiveFormatError(`the archive format cannot hold ${what}`)
  }
  if (doc.stamp !== undefined && !/^(?:NaN|-?\d+)$/.test(doc.stamp))
    refuse(`the stamp "${doc.stamp.slice(0, 40)}" (epoch ms or NaN)`)
  if (doc.link) {
    if (/[\r\n]/.test(doc.link.title)) refuse('a link-line title over several lines')
    const { url } = doc.link
    if (/[\r\n]/.test(url) || url !== url.trim() || url.includes(']('))
      refuse(`the link-line URL "${url.slice(0, 200)}"`)
  }
  const { body } = doc
  if (body.includes('\r')) refuse('a carriage return in the body (line ends are \\n)')
  if (LEADING_BLANK.test(body)) refuse('a body that starts with a blank line')
  if (!doc.link && LINK_LINE.test(body)) refuse('a body that starts with a link line')
  if (!doc.link && doc.stamp === undefined && STAMP.test(body))
    refuse('a body that starts with a <!--stamp-->')
  if (
    !doc.link &&
    doc.stamp === undefined &&
    !doc.frontMatter &&
    /^(?:\ufeff|---[ \t]*\n)/.test(body)
  )
    refuse('a body that starts with a byte-order mark or a front-matter fence')
}

/**
 * Writes a document as an archive file: front matter between `---` fences, the `<!--ms-->` stamp,
 * the link line and its `------` rule, a blank line, the body as it is. The inverse of
 * `parseArchiveFile`: `parseArchiveFile(writeArchiveFile(d), d.name)` equals `d`. Throws
 * `ArchiveFormatError` for a document the format cannot hold.
 */
export const writeArchiveFile = (doc: ArchiveSource | ArchiveDocument): string => {
  checkRepresentable(doc)
  let out = ''
  if (doc.frontMatter) out += `---\n${frontMatterText(doc.frontMatter)}---\n`
  if (doc.stamp !== undefined) out += `<!--${doc.stamp}-->\n`
  if (doc.link) out += `[${doc.link.title}](${doc.link.url})\n------\n\n`
  return out + doc.body
}

/** The longest title part of a file name, in UTF-16 units (the mirror script's rule). */
const NAME_TITLE_UNITS = 50

/**
 * The file name the mirror script gave a post: `<UTC date>-<first 50 UTF-16 units of the title as
 * escaped in YAML>.md`, `/` replaced by `--`. A surrogate pair is never cut in two,
 * and NUL, which no file system takes, is dropped.
 */
export const archiveFileName = (date: Date | undefined, title: string): string => {
  const day = date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : 'undated'
  let part = title.replace(/\\/g, '\\\\').replace(/"/g, '\\"').slice(0, NAME_TITLE_UNITS)
  if (/[\ud800-\udbff]$/.test(part)) part = part.slice(0, -1)
  return `${day}-${part.replace(/\//g, '--').replace(/\0/g, '')}.md`
}
