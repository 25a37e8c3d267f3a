import fs from 'node:fs'
import path from 'node:path'

import type { Payload, Where } from 'payload'

import { writeArchiveFile } from '../archive'
import { exportName, exportsAsSource, postToArchiveDocument, type ExportPost } from './document'
import { POSTS, SOURCES } from '../lib/slugs'

/**
 * `runExport({ payload, dir, ... })`: posts back out as archive files (`src/archive` writes them),
 * one file per post, every post one report row. Reads through the Local API; `document.ts` is the
 * pure post -> document step.
 */

export type ExportOptions = {
  payload: Payload
  /** The folder to write into; created if missing, refused if it holds anything. */
  dir: string
  /** Only the posts of the source with this slug. */
  source?: string
  /** Only posts published at or after this time. */
  since?: Date
  /** Only posts whose latest version has this status. */
  status?: 'draft' | 'published'
  onProgress?: (done: number, total: number) => void
  /** Posts read per query. @default 200 */
  pageSize?: number
}

export type ExportRow = {
  post: number | string
  title: string
  status: 'written' | 'skipped' | 'failed'
  /** The file, relative to the folder. */
  file?: string
  /** `source`: the document it was imported from, unedited; `post`: written from its current fields. */
  from?: 'source' | 'post'
  reason?: string
}

export type ExportReport = {
  summary: {
    posts: number
    written: number
    fromSource: number
    fromPost: number
    skipped: number
    failed: number
    durationMs: number
  }
  rows: ExportRow[]
}

/** The options refused before anything is read or written (the message names the fix). */
export class ExportOptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExportOptionsError'
  }
}

type Related = number | string | { id: number | string } | null | undefined
const idOf = (r: Related) => (r && typeof r === 'object' ? r.id : r)

/** id -> name of every doc of a small collection (authors, sources, categories). */
const namesOf = async (
  payload: Payload,
  collection: 'authors' | 'sources' | 'categories',
): Promise<Map<string, string>> => {
  const { docs } = await payload.find({
    collection,
    depth: 0,
    pagination: false,
    select: { name: true },
    overrideAccess: true,
  })
  return new Map(docs.map((d) => [String(d.id), String(d.name)]))
}

const sourceIdOf = async (payload: Payload, slug: string): Promise<number | string> => {
  const { docs } = await payload.find({
    collection: SOURCES,
    where: { slug: { equals: slug } },
    depth: 0,
    limit: 1,
    select: { name: true },
    overrideAccess: true,
  })
  if (!docs[0])
    throw new ExportOptionsError(
      `no source with the slug "${slug}" (see /admin/collections/sources)`,
    )
  return docs[0].id
}

/** A name no other post of this export has (case-insensitively): the post id is added when taken. */
const uniqueName = (taken: Set<string>, name: string, id: number | string): string => {
  let candidate = name
  for (let n = 0; taken.has(candidate.toLowerCase()); n++) {
    const suffix = n === 0 ? `-${id}` : `-${id}-${n}`
    candidate = /\.md$/i.test(name) ? name.replace(/\.md$/i, `${suffix}.md`) : `${name}${suffix}`
  }
  taken.add(candidate.toLowerCase())
  return candidate
}

const emptyOrMissing = (dir: string): boolean =>
  !fs.existsSync(dir) || (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0)

type Names = Record<'authors' | 'sources' | 'categories', Map<string, string>>

/**
 * The source document of each imported post whose latest version has none: the store keeps it once,
 * in the post's row, when the version was saved with the row (`versionOfRow`, src/store/adapter.ts).
 */
const sourceDocumentsFromRows = async (payload: Payload, posts: ExportPost[]): Promise<void> => {
  const missing = posts.filter((p) => p.provenance?.importedAt && p.provenance.source == null)
  if (missing.length === 0) return
  const { docs } = await payload.find({
    collection: POSTS,
    draft: false,
    depth: 0,
    where: { id: { in: missing.map((p) => p.id) } },
    pagination: false,
    select: { provenance: { source: true } },
    overrideAccess: true,
  })
  const byId = new Map(docs.map((d) => [String(d.id), d.provenance?.source]))
  for (const post of missing) {
    const source = byId.get(String(post.id))
    if (source != null) post.provenance = { ...post.provenance, source }
  }
}

/**
 * One page of posts, by id, as their latest version (`draft: true`: an edit saved as a draft is the
 * post's content). The rendered HTML (sanitised on every read) is read only for the posts written
 * from their fields; the others are their source document.
 */
const readPage = async (
  payload: Payload,
  filters: Where[],
  page: number,
  limit: number,
  names: Names,
): Promise<{ posts: ExportPost[]; hasNextPage: boolean }> => {
  const { docs, hasNextPage } = await payload.find({
    collection: POSTS,
    draft: true,
    depth: 0,
    where: { and: filters },
    sort: 'id',
    limit,
    page,
    select: {
      title: true,
      publishedAt: true,
      sourceUrl: true,
      source: true,
      authors: true,
      categories: true,
      tags: true,
      updatedAt: true,
      provenance: true,
    },
    overrideAccess: true,
  })
  const named = (map: Map<string, string>, refs: Related[] | null | undefined) =>
    (refs ?? []).map((r) => map.get(String(idOf(r)))).filter((n): n is string => !!n)
  const posts: ExportPost[] = docs.map((doc) => ({
    id: doc.id,
    title: doc.title,
    publishedAt: doc.publishedAt,
    sourceUrl: doc.sourceUrl,
    source: doc.source != null ? names.sources.get(String(idOf(doc.source))) : undefined,
    authors: named(names.authors, doc.authors),
    categories: named(names.categories, doc.categories),
    tags: doc.tags ?? [],
    updatedAt: doc.updatedAt,
    provenance: doc.provenance,
  }))
  await sourceDocumentsFromRows(payload, posts)
  const needHtml = posts.filter((p) => !exportsAsSource(p))
  if (needHtml.length > 0) {
    const { docs: html } = await payload.find({
      collection: POSTS,
      draft: true,
      depth: 0,
      where: { id: { in: needHtml.map((p) => p.id) } },
      pagination: false,
      select: { contentHtml: true },
      overrideAccess: true,
    })
    const byId = new Map(html.map((d) => [String(d.id), d.contentHtml]))
    for (const post of needHtml) post.contentHtml = byId.get(String(post.id))
  }
  return { posts, hasNextPage }
}

export const runExport = async (options: ExportOptions): Promise<ExportReport> => {
  const { payload, dir } = options
  const started = Date.now()
  if (!emptyOrMissing(dir)) {
    throw new ExportOptionsError(`${dir} is not an empty folder: export into a new or empty one`)
  }
  const filters: Where[] = []
  if (options.source)
    filters.push({ source: { equals: await sourceIdOf(payload, options.source) } })
  if (options.since)
    filters.push({ publishedAt: { greater_than_equal: options.since.toISOString() } })
  if (options.status) filters.push({ _status: { equals: options.status } })

  const [authors, sources, categories] = await Promise.all([
    namesOf(payload, 'authors'),
    namesOf(payload, 'sources'),
    namesOf(payload, 'categories'),
  ])
  const total = (
    await payload.count({ collection: POSTS, where: { and: filters }, overrideAccess: true })
  ).totalDocs
  fs.mkdirSync(dir, { recursive: true })

  const rows: ExportRow[] = []
  const taken = new Set<string>()
  for (let page = 1; ; page++) {
    const { posts, hasNextPage } = await readPage(payload, filters, page, options.pageSize ?? 200, {
      authors,
      sources,
      categories,
    })
    for (const post of posts) rows.push(writePost(dir, post, taken))
    options.onProgress?.(rows.length, Math.max(total, rows.length))
    if (!hasNextPage) break
  }
  const count = (status: ExportRow['status']) => rows.filter((r) => r.status === status).length
  return {
    summary: {
      posts: rows.length,
      written: count('written'),
      fromSource: rows.filter((r) => r.from === 'source').length,
      fromPost: rows.filter((r) => r.from === 'post').length,
      skipped: count('skipped'),
      failed: count('failed'),
      durationMs: Date.now() - started,
    },
    rows,
  }
}

/** One post to one file (never over an existing one); what went wrong is the row's reason. */
const writePost = (dir: string, post: ExportPost, taken: Set<string>): ExportRow => {
  const row: ExportRow = { post: post.id, title: post.title, status: 'failed' }
  const exported = postToArchiveDocument(post, exportName(post))
  if (!exported.ok) return { ...row, status: 'skipped', reason: exported.reason }
  const file = uniqueName(taken, exported.document.name, post.id)
  try {
    const text = writeArchiveFile(exported.document)
    const full = path.join(dir, file)
    fs.mkdirSync(path.dirname(full), { recursive: true })
    fs.writeFileSync(full, text, { flag: 'wx' })
  } catch (err) {
    return { ...row, file, reason: (err as Error).message }
  }
  return { ...row, status: 'written', file, from: exported.from }
}
