import type { Payload, PayloadRequest, Where } from 'payload'

import type { ExistingPost } from './plan'
import type { Id } from './related'
import type { Row } from './bulk'
import { lookupPlain, type LookupWhere } from './sqlite'
import { POSTS } from '../lib/slugs'

/** The keys a batch may match posts by (src/store/identity.ts). Empty lists match nothing. */
export type PostKeys = {
  /** Archive keys (`normaliseUrl`): the `sourceUrl` of archive posts. */
  archiveKeys?: string[]
  /** Matching keys of links (`matchKey`): `provenance.matchUrl`. */
  matchKeys?: string[]
  /** Guids within one source: `source` + `provenance.guid`. */
  guids?: { source: Id; guids: string[] }
}

/** Keys per query: an indexed `IN` of this many stays one cheap query on every adapter. */
const CHUNK = 500

type PostRow = {
  id: Id
  slug?: string | null
  sourceUrl?: string | null
  source?: Id | { id: Id } | null
  _status?: string | null
  editorialState?: string | null
  title?: string | null
  contentHtml?: string | null
  publishedAt?: string | null
  createdAt?: string | null
  updatedAt?: string | null
  provenance?: {
    contentHash?: string | null
    importRun?: string | null
    importedAt?: string | null
    matchUrl?: string | null
    guid?: string | null
  } | null
}

/** What the store reads of a matched post (the plan's fields, and what ingest compares). */
export type FoundPost = ExistingPost & {
  title?: string | null
  contentHtml?: string | null
  publishedAt?: string | null
  createdAt?: string | null
}

/** What the importer plans with (64k bodies are not read). */
const SELECT_LEAN = {
  slug: true,
  sourceUrl: true,
  source: true,
  _status: true,
  editorialState: true,
  updatedAt: true,
  provenance: {
    contentHash: true,
    importRun: true,
    importedAt: true,
    matchUrl: true,
    guid: true,
  },
}

/** And what ingest compares an item with. */
const SELECT = {
  ...SELECT_LEAN,
  title: true,
  contentHtml: true,
  publishedAt: true,
  createdAt: true,
}

const chunks = <T>(xs: T[]): T[][] => {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK))
  return out
}

/** The adapter's query of one lookup. */
const whereOf = (lookup: LookupWhere): Where =>
  'archiveKeys' in lookup
    ? { sourceUrl: { in: lookup.archiveKeys } }
    : 'matchKeys' in lookup
      ? { 'provenance.matchUrl': { in: lookup.matchKeys } }
      : {
          and: [{ source: { equals: lookup.source } }, { 'provenance.guid': { in: lookup.guids } }],
        }

/** A plain row of ./sqlite.ts `lookupPlain` in the shape the adapter's find gives. */
const postRowOf = (row: Row): PostRow => {
  const { contentHash, importRun, importedAt, matchUrl, guid, ...rest } = row
  return {
    ...(rest as PostRow),
    provenance: { contentHash, importRun, importedAt, matchUrl, guid } as PostRow['provenance'],
  }
}

const idOf = (v: Id | { id: Id } | null | undefined): Id | null =>
  v == null ? null : typeof v === 'object' ? v.id : v

/**
 * The posts any of the keys match, with the `updatedAt` of each one's latest version: indexed
 * queries for exactly these keys (`sourceUrl`, `provenance.matchUrl`, `source` + `provenance.guid`,
 * and `_posts_v.parent`), never a whole table. `withText` also reads title, HTML and date (what
 * ingest compares an item with).
 */
export const lookupPosts = async (
  payload: Payload,
  keys: PostKeys,
  options: {
    req?: PayloadRequest
    withText?: boolean
    /**
     * Also read the feed keys (`provenance.matchUrl`, `provenance.guid`: `urlKey`, `guid`), which
     * a feed item's plan needs and an archive file's does not. On SQLite they are the posts' last
     * columns, after the source document: reading them walks each row's whole record. @default true
     */
    feedKeys?: boolean
    /** The adapter's find even where a plain read exists (test/importer/internals.test.ts). */
    viaAdapter?: boolean
  } = {},
): Promise<FoundPost[]> => {
  const lookups: LookupWhere[] = [
    ...chunks([...new Set(keys.archiveKeys ?? [])]).map((c) => ({ archiveKeys: c })),
    ...chunks([...new Set(keys.matchKeys ?? [])]).map((c) => ({ matchKeys: c })),
    ...(keys.guids
      ? chunks([...new Set(keys.guids.guids)]).map((c) => ({
          source: keys.guids!.source,
          guids: c,
        }))
      : []),
  ]
  const byId = new Map<string, PostRow>()
  const latest = new Map<string, string | null>()
  for (const where of lookups) {
    const plain = options.viaAdapter
      ? undefined
      : await lookupPlain(payload, where, {
          withText: options.withText ?? false,
          feedKeys: options.feedKeys ?? true,
        })
    if (plain) {
      for (const row of plain.posts) byId.set(String(row.id), postRowOf(row))
      for (const v of plain.latest) latest.set(String(v.parent), (v.updatedAt as string) ?? null)
      continue
    }
    const res = await payload.db.find({
      collection: POSTS,
      where: whereOf(where),
      select: (options.withText ? SELECT : SELECT_LEAN) as never,
      limit: 0,
      pagination: false,
      req: options.req,
    })
    const docs = res.docs as unknown as PostRow[]
    for (const d of docs) byId.set(String(d.id), d)
    for (const c of chunks(docs.map((d) => d.id))) {
      const versions = await payload.db.findVersions({
        collection: POSTS,
        where: { and: [{ parent: { in: c } }, { latest: { equals: true } }] },
        select: { parent: true, updatedAt: true } as never,
        limit: 0,
        pagination: false,
        req: options.req,
      })
      for (const v of versions.docs as { parent: unknown; updatedAt?: string }[])
        latest.set(String(idOf(v.parent as Id)), v.updatedAt ?? null)
    }
  }
  if (byId.size === 0) return []
  return [...byId.values()].map((d) => ({
    id: d.id,
    slug: d.slug,
    sourceUrl: d.sourceUrl,
    urlKey: d.provenance?.matchUrl,
    guid: d.provenance?.guid,
    sourceId: idOf(d.source),
    status: d._status,
    editorialState: d.editorialState,
    contentHash: d.provenance?.contentHash,
    importRun: d.provenance?.importRun,
    importedAt: d.provenance?.importedAt,
    updatedAt: d.updatedAt,
    versionUpdatedAt: latest.has(String(d.id)) ? (latest.get(String(d.id)) ?? null) : undefined,
    title: d.title,
    contentHtml: d.contentHtml,
    publishedAt: d.publishedAt,
    createdAt: d.createdAt,
  }))
}

/**
 * The content hashes of every post made by an import that has its version: a file with one of these
 * hashes is read, never transformed. One column of posts and one of their latest versions: at archive
 * scale (64k files) this one read is what spares 64k lookups before the files are even parsed.
 */
export const knownContentHashes = async (payload: Payload): Promise<Set<string>> => {
  const out = new Set<string>()
  const posts = new Map<string, string>()
  for (let page = 1; ; page++) {
    const res = await payload.db.find({
      collection: POSTS,
      where: { 'provenance.contentHash': { exists: true } },
      select: { provenance: { contentHash: true } } as never,
      limit: 5000,
      page,
      pagination: true,
      sort: 'id',
    })
    for (const d of res.docs as PostRow[])
      if (d.provenance?.contentHash) posts.set(String(d.id), d.provenance.contentHash)
    if (!res.hasNextPage) break
  }
  for (let page = 1; posts.size; page++) {
    const res = await payload.db.findVersions({
      collection: POSTS,
      where: { latest: { equals: true } },
      select: { parent: true } as never,
      limit: 5000,
      page,
      pagination: true,
      sort: 'id',
    })
    for (const v of res.docs as { parent: unknown }[]) {
      const hash = posts.get(String(idOf(v.parent as Id)))
      if (hash) out.add(hash)
    }
    if (!res.hasNextPage) break
  }
  return out
}
