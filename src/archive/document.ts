/**
 * The archive's post document: one Markdown file of the Jekyll archive as its parts. Pure data, no
 * I/O, no Payload. `parse.ts` reads a file into it and `write.ts` writes it back; `parse(write(d))`
 * equals `d` (test/archive/roundtrip.test.ts).
 */

/** The front matter as YAML gives it: strings, numbers, booleans, lists, nested mappings, null. */
export type FrontMatter = Record<string, unknown>

/** The link line under the stamp: `[title](url)` then a `------` rule. */
export type ArchiveLink = { title: string; url: string }

export type ArchiveDocument = {
  /** The file's path relative to the archive folder. Names the file; not part of its content. */
  name: string
  /** The front matter; undefined for a legacy file without one. */
  frontMatter?: FrontMatter
  /** The `<!--ms-->` stamp as written: digits (epoch ms), `NaN` when the feed had no date. */
  stamp?: string
  link?: ArchiveLink
  /** Everything after the header, as written (never starting with a blank line). */
  body: string
  /** What reading the file found odd (front matter YAML refused, read leniently). Never written. */
  warnings: string[]
}

/** A document's content without its name and warnings: what a post keeps as its source. */
export type ArchiveSource = Omit<ArchiveDocument, 'name' | 'warnings'>

export const sourceOf = (doc: ArchiveDocument): ArchiveSource => ({
  ...(doc.frontMatter !== undefined && { frontMatter: doc.frontMatter }),
  ...(doc.stamp !== undefined && { stamp: doc.stamp }),
  ...(doc.link !== undefined && { link: doc.link }),
  body: doc.body,
})

/** `value` with the keys of every object in sorted order: the same mapping, one way to write it. */
const sortedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortedKeys)
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

/**
 * A document's content as one canonical string: equal for two documents exactly when their content
 * is, whatever bytes the files had (CRLF, a BOM, quoting style) and in whatever order a mapping's
 * keys come (YAML mappings have none; PostgreSQL's jsonb, which keeps a post's source document,
 * reorders them). What the importer hashes to decide that a file is the one a post was made from.
 */
export const canonicalContent = (doc: ArchiveSource): string =>
  JSON.stringify([
    sortedKeys(doc.frontMatter ?? null),
    doc.stamp ?? null,
    doc.link ?? null,
    doc.body,
  ])

/** The fields of a post in the form the mirror script wrote them (see `archiveDocument`). */
export type ArchivePostFields = {
  name: string
  title: string
  /** `date:`: ISO 8601 as written (`2025-02-10T20:00:20.000Z`, `2020-06-01T08:00:00+01:00`). */
  date?: string
  author?: string
  /** The original article's URL. */
  from: string
  /** The outlet's name, as the archive's `tags` and `categories` name it. */
  tags: string[]
  categories: string[]
  /** Epoch ms of the feed's time, or `NaN` for a feed without a usable date. */
  feedTime?: number
  body: string
  /** Other front matter to keep (e.g. what an imported post's file had besides these). */
  extra?: FrontMatter
}

const linkable = (url: string): boolean => !/\s|\]\(/.test(url)

/**
 * A document in the newest form the mirror script wrote: front matter in its key
 * order (`layout`, `title`, `date`, `author`, `from`, `tags`, `comments`, `categories`), the stamp,
 * the link line (the title on one line) and the body.
 */
export const archiveDocument = (fields: ArchivePostFields): ArchiveDocument => {
  const { layout = 'post', comments = true, ...extra } = fields.extra ?? {}
  const frontMatter: FrontMatter = {
    layout,
    title: fields.title,
    ...(fields.date !== undefined && { date: fields.date }),
    ...(fields.author !== undefined && { author: fields.author }),
    from: fields.from,
    tags: fields.tags,
    comments,
    categories: fields.categories,
  }
  for (const [key, value] of Object.entries(extra)) {
    if (!(key in frontMatter)) frontMatter[key] = value
  }
  return {
    name: fields.name,
    frontMatter,
    ...(fields.feedTime !== undefined && { stamp: String(fields.feedTime) }),
    // `from:` is the URL; a link line the format cannot hold (a URL with spaces or `](`) is left out.
    ...(linkable(fields.from) && {
      link: { title: fields.title.replace(/[\r\n]+/g, ' '), url: fields.from },
    }),
    body: fields.body,
    warnings: [],
  }
}
