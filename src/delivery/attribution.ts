import type { CollectionAfterReadHook, Field, Payload } from 'payload'

import type { Post, Source } from '../payload-types'
import { safeUrl } from '../richtext/safeUrl'
import { freshnessOf } from './freshness'
import { SOURCES } from '../lib/slugs'

/** What a consumer needs to credit a post, delivered with the post itself. */
export type Attribution = {
  outlet: string | null
  outletSlug: string | null
  outletHomepage: string | null
  sourceUrl: string | null
  licence: string | null
}

/**
 * The virtual `attribution` group on posts: nothing is stored, `attachAttribution` fills it on every
 * read (REST, GraphQL, Local API, feeds).
 */
export const attributionField: Field = {
  name: 'attribution',
  type: 'group',
  virtual: true,
  label: { en: 'Attribution', zh: '署名' },
  admin: {
    hidden: true,
    description: { en: "The outlet's credit, from the source.", zh: '来源的署名信息。' },
  },
  fields: [
    { name: 'outlet', type: 'text', virtual: true },
    { name: 'outletSlug', type: 'text', virtual: true },
    { name: 'outletHomepage', type: 'text', virtual: true },
    { name: 'sourceUrl', type: 'text', virtual: true },
    { name: 'licence', type: 'textarea', virtual: true },
  ],
}

type SourceCredit = Pick<Source, 'id' | 'name' | 'slug' | 'homepage' | 'attribution'>

type SourceMap = { loadedAt: number; epoch: number | undefined; byId: Map<string, SourceCredit> }

/**
 * How long the map of sources is trusted when no change was seen in this process, without a
 * complete freshness watch (src/delivery/freshness.ts); with one, it lasts its epoch.
 */
const SOURCE_MAP_TTL_MS = 60_000

// One map per Payload instance (tests boot several in one process), loaded with one query.
const sourceMaps = new WeakMap<Payload, Promise<SourceMap>>()

const loadSourceMap = async (payload: Payload, epoch: number | undefined): Promise<SourceMap> => {
  const { docs } = await payload.find({
    collection: SOURCES,
    depth: 0,
    pagination: false,
    overrideAccess: true,
    select: { name: true, slug: true, homepage: true, attribution: true },
  })
  return {
    loadedAt: Date.now(),
    epoch,
    byId: new Map(docs.map((s) => [String(s.id), s as SourceCredit])),
  }
}

/** The sources by id, from one cached query (sources are few and change rarely). */
export const sourceMap = async (payload: Payload): Promise<Map<string, SourceCredit>> => {
  const freshness = freshnessOf(payload)
  const epoch = freshness?.complete ? freshness.epoch() : undefined
  const cached = sourceMaps.get(payload)
  if (cached) {
    const map = await cached
    const current = freshness?.complete
      ? epoch !== undefined && map.epoch === epoch
      : Date.now() - map.loadedAt < SOURCE_MAP_TTL_MS
    if (current) return map.byId
  }
  const pending = loadSourceMap(payload, epoch)
  sourceMaps.set(payload, pending)
  // A failed load is reported to the read that caused it and retried by the next one.
  pending.catch(() => {
    if (sourceMaps.get(payload) === pending) sourceMaps.delete(payload)
  })
  return (await pending).byId
}

/** Drops the cached map, so that the next read sees a changed or deleted source. */
export const forgetSources = (payload: Payload): void => {
  sourceMaps.delete(payload)
}

const isPopulated = (value: unknown): value is SourceCredit =>
  typeof value === 'object' && value !== null && 'name' in value

/**
 * Fills `attribution` from the post's source: the populated source when the read had depth >= 1
 * (Sources' `defaultPopulate` carries name, slug, homepage and attribution), otherwise the cached
 * map of sources; never a query per post. A read whose `select` left out `source` gets no
 * attribution.
 */
export const attachAttribution: CollectionAfterReadHook<
  Post & { attribution?: Attribution }
> = async ({ doc, req }) => {
  if (!doc || !('source' in doc)) return doc
  const ref = doc.source
  let source: SourceCredit | undefined
  if (isPopulated(ref)) source = ref
  else if (ref != null) source = (await sourceMap(req.payload)).get(String(ref))
  doc.attribution = {
    outlet: source?.name ?? null,
    outletSlug: source?.slug ?? null,
    // Only addresses a reader's app can safely link to (src/richtext/safeUrl.ts).
    outletHomepage: safeUrl(source?.homepage, 'web') ?? null,
    sourceUrl: safeUrl(doc.sourceUrl, 'web') ?? null,
    licence: source?.attribution ?? null,
  }
  return doc
}
