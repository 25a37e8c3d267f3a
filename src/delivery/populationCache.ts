import type { CollectionBeforeOperationHook, Payload, PayloadRequest } from 'payload'

import { freshnessOf } from './freshness'
import { DIRECTORY_COLLECTIONS } from '../lib/slugs'

/** Collections whose documents are populated into delivered posts: few, small, rarely changed. */
const directory = new Set<string>(DIRECTORY_COLLECTIONS)

/** The most populated documents kept (a media library can be large; the rest load as usual). */
const MAX_ENTRIES = 20_000

type Cache = { epoch: number; values: Map<string, unknown> }

const caches = new WeakMap<Payload, Cache>()
const WRAPPED = Symbol('newsroom.populationCache')

type Loader = PayloadRequest['payloadDataLoader'] & { [WRAPPED]?: true }

/** The collection a dataloader key names (Payload's `createDataloaderCacheKey`: a JSON array). */
const collectionOfKey = (key: string): string | undefined => {
  try {
    const parsed = JSON.parse(key) as unknown[]
    return typeof parsed[1] === 'string' ? parsed[1] : undefined
  } catch {
    return undefined
  }
}

/**
 * Populating a post at depth >= 1 costs Payload one `find` per related collection (source,
 * categories, authors, hero image), each with its access check, query and field hooks: on the 64k
 * archive a third of a post read. For readers these documents are the same for everyone and change
 * rarely, so a read by someone not signed in takes them from a cache of what Payload populated
 * before, under Payload's own dataloader key (which holds the collection, id, depth, locale, select
 * and populate, so a hit is exactly what Payload would load). The cache lasts one freshness epoch:
 * any change readers can see, through any server, empties it (the delivery plugin's watch, on SQLite
 * and MongoDB; without the plugin reads are left alone). Each read gets its own copy.
 */
export const cachePopulation: CollectionBeforeOperationHook = ({ args, operation, req }) => {
  if (operation !== 'read' || req.user || req.transactionID) return args
  const loader = req.payloadDataLoader as Loader | undefined
  if (!loader || loader[WRAPPED]) return args
  const freshness = freshnessOf(req.payload)
  if (!freshness?.complete) return args
  const payload = req.payload
  const load = loader.load.bind(loader)
  loader[WRAPPED] = true
  loader.load = (key: string) => {
    const epoch = freshness.epoch()
    // Signed in since (a login in the same request) or inside a transaction: as Payload does.
    if (epoch === undefined || req.user || req.transactionID) return load(key)
    const collection = collectionOfKey(key)
    if (!collection || !directory.has(collection)) return load(key)
    let cache = caches.get(payload)
    if (!cache || cache.epoch !== epoch) {
      cache = { epoch, values: new Map() }
      caches.set(payload, cache)
    }
    if (cache.values.has(key))
      return Promise.resolve(structuredClone(cache.values.get(key)) as never)
    const kept = cache
    return load(key).then((value) => {
      if (freshness.epoch() === kept.epoch && kept.values.size < MAX_ENTRIES)
        kept.values.set(key, structuredClone(value))
      return value
    })
  }
  return args
}
