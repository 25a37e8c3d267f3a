import type {
  CollectionAfterChangeHook,
  CollectionAfterDeleteHook,
  CollectionConfig,
  Config,
  Plugin,
} from 'payload'

import { selectForReaders } from './anonymousSelect'
import { attachAttribution, attributionField, forgetSources } from './attribution'
import {
  endCacheAfterChange,
  endCacheAfterDelete,
  endCacheAfterPostChange,
  endCacheAfterPostDelete,
  notePostWrite,
} from './changes'
import { ContentEpochs } from '../store/epoch'
import { contentWatches, deliveryCustom, type ContentWatches, type WatchOptions } from './freshness'
import { refusalsAsInfoLogger } from './logging'
import { maxCostRule } from './graphqlCost'
import { maxDepthRule } from './graphqlDepth'
import { cachePopulation } from './populationCache'
import { limitDepthForReaders } from './readerDepth'
import { limitResultsForReaders } from './readerLimits'
import { checkQueryPaths } from './queryPaths'
import { checkIdShape } from './idShape'
import { deliveredPostsQuery } from './graphqlQueries'
import { accessQuery } from './graphqlAccess'
import { rewriteSlugFilters } from './slugFilters'
import { settings } from '../config'
import { DELIVERED_COLLECTIONS, POSTS, SOURCES } from '../lib/slugs'

export type DeliveryPluginOptions = {
  /**
   * Set to false to leave the config untouched (bench/delivery.ts measures plain Payload this way).
   * @default settings().newsroomDelivery (NEWSROOM_DELIVERY not `off`)
   */
  enabled?: boolean
  /**
   * The most a GraphQL query may cost: each field 1, times the `limit` of the list it is in (every
   * alias counted; see graphqlCost.ts). Payload's own estimate (a fixed cost per field and
   * relationship) is held to the same number. A query over it is refused before it runs.
   * @default settings().graphqlMaxComplexity (GRAPHQL_MAX_COMPLEXITY), 3000
   */
  graphQLMaxComplexity?: number
  /**
   * The deepest a GraphQL query may nest fields (a leaf counts as one level), since the complexity
   * estimate barely grows with depth.
   * @default settings().graphqlMaxDepth (GRAPHQL_MAX_DEPTH), 7
   */
  graphQLMaxDepth?: number
  /**
   * Serve the GraphQL playground (and allow introspection) when NODE_ENV is production.
   * @default settings().graphqlPlayground (GRAPHQL_PLAYGROUND), false
   */
  playgroundInProduction?: boolean
  /**
   * Allow GraphQL introspection when NODE_ENV is production (implied by the playground).
   * @default settings().graphqlIntrospection (GRAPHQL_INTROSPECTION), false
   */
  introspectionInProduction?: boolean
  /**
   * The deepest population (`depth`) a REST read by someone not signed in may ask for; deeper is a
   * 400. Staff are not limited.
   * @default settings().deliveryMaxDepth (DELIVERY_MAX_DEPTH), 2
   */
  readerMaxDepth?: number
  /** How the delivery cache learns of changes (src/delivery/freshness.ts). */
  watch?: WatchOptions
  /**
   * The largest `limit` (of a list, or of a join inside a document) a read by someone not signed in
   * may ask for, over REST and GraphQL; more, `limit=0` or `pagination=false` is a 400 naming it.
   * @default settings().deliveryMaxLimit (DELIVERY_MAX_LIMIT), 100
   */
  readerMaxLimit?: number
}

/** The collections whose documents appear in delivered posts (populated or in feeds). */
const DELIVERED = new Set<string>(DELIVERED_COLLECTIONS)

const forgetSourcesAfterChange: CollectionAfterChangeHook = ({ doc, req }) => {
  forgetSources(req.payload)
  return doc
}
const forgetSourcesAfterDelete: CollectionAfterDeleteHook = ({ doc, req }) => {
  forgetSources(req.payload)
  return doc
}

/**
 * Every collection refuses a query path its reader may not use before Payload validates it
 * (queryPaths.ts: one such path used to stop the process).
 */
const withQueryPathCheck = (collection: CollectionConfig): CollectionConfig => ({
  ...collection,
  hooks: {
    ...collection.hooks,
    beforeOperation: [checkIdShape, checkQueryPaths, ...(collection.hooks?.beforeOperation ?? [])],
  },
})

const withDeliveryHooks =
  (readerMaxDepth: number, readerMaxLimit: number, watches: ContentWatches) =>
  (collection: CollectionConfig): CollectionConfig => {
    if (!DELIVERED.has(collection.slug)) return collection
    const hooks = collection.hooks ?? {}
    const isSources = collection.slug === SOURCES
    const isPosts = collection.slug === POSTS
    return {
      ...collection,
      fields: isPosts ? [...collection.fields, attributionField] : collection.fields,
      // Every anonymous list filters on `_status` and `publishedAt` (publishedAndDue) and sorts by
      // `-publishedAt` with Payload's tie-breaker `-createdAt`. With this index SQLite walks the
      // published posts in that order and stops after a page, and counts `totalDocs` from the index
      // alone. Without it, it reads every matching row to sort them, and a post's row spills its
      // Lexical body and HTML over overflow pages (25-77 ms against 3-6 ms for a page of 20 out of
      // 2,000 posts; it grows with the archive).
      // The same order per source (a source's page, its feed) needs the source first.
      indexes: isPosts
        ? [
            ...(collection.indexes ?? []),
            { fields: ['_status', 'publishedAt', 'createdAt'] },
            { fields: ['source', '_status', 'publishedAt', 'createdAt'] },
          ]
        : collection.indexes,
      hooks: {
        ...hooks,
        beforeOperation: [
          ...(hooks.beforeOperation ?? []),
          ...(isPosts ? [rewriteSlugFilters, notePostWrite] : []),
          limitDepthForReaders(readerMaxDepth),
          limitResultsForReaders(readerMaxLimit),
          selectForReaders,
          ...(isPosts ? [cachePopulation] : []),
        ],
        afterRead: isPosts ? [...(hooks.afterRead ?? []), attachAttribution] : hooks.afterRead,
        afterChange: [
          ...(hooks.afterChange ?? []),
          ...(isSources ? [forgetSourcesAfterChange] : []),
          isPosts ? endCacheAfterPostChange(watches) : endCacheAfterChange(watches),
        ],
        afterDelete: [
          ...(hooks.afterDelete ?? []),
          ...(isSources ? [forgetSourcesAfterDelete] : []),
          isPosts ? endCacheAfterPostDelete(watches) : endCacheAfterDelete(watches),
        ],
      },
    }
  }

/**
 * Content delivery for readers' apps: a virtual `attribution` on every post (outlet, original URL,
 * licence; no query per post), the content epoch and the watch of it that tells every cache when
 * readers' content changed (src/delivery/freshness.ts; made per Payload instance on first use,
 * stopped with it), and GraphQL limits (query complexity; playground and introspection off in
 * production unless configured on). The HTTP side (feeds, caching, rate limit) is mounted by
 * `mountDelivery` in src/server.ts.
 * Add it after `newsroomPlugin()`, which brings the collections.
 */
export const deliveryPlugin =
  (options: DeliveryPluginOptions = {}): Plugin =>
  (incoming: Config): Config => {
    const env = settings()
    if (!(options.enabled ?? env.newsroomDelivery)) return incoming
    const playground = options.playgroundInProduction ?? env.graphqlPlayground
    const introspection =
      playground || (options.introspectionInProduction ?? env.graphqlIntrospection)
    const maxComplexity = options.graphQLMaxComplexity ?? env.graphqlMaxComplexity
    const maxDepth = options.graphQLMaxDepth ?? env.graphqlMaxDepth
    const readerMaxDepth = options.readerMaxDepth ?? env.deliveryMaxDepth
    const readerMaxLimit = options.readerMaxLimit ?? env.deliveryMaxLimit
    if (!Number.isInteger(readerMaxDepth) || readerMaxDepth < 0) {
      throw new Error(
        `deliveryPlugin: readerMaxDepth=${readerMaxDepth} is not a whole number >= 0.`,
      )
    }
    for (const [name, value] of [
      ['graphQLMaxComplexity', maxComplexity],
      ['graphQLMaxDepth', maxDepth],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`deliveryPlugin: ${name}=${value} is not a positive number.`)
      }
    }
    if (!(incoming.collections ?? []).some((c) => c.slug === POSTS)) {
      throw new Error(
        'deliveryPlugin: no "posts" collection; add deliveryPlugin() after newsroomPlugin().',
      )
    }
    const watches = contentWatches(options.watch)
    return {
      ...incoming,
      collections: [
        ...(incoming.collections ?? [])
          .map(withDeliveryHooks(readerMaxDepth, readerMaxLimit, watches))
          .map(withQueryPathCheck),
        ContentEpochs,
      ],
      custom: { ...incoming.custom, ...deliveryCustom(watches) },
      onInit: async (payload) => {
        await incoming.onInit?.(payload)
        // The collections Payload adds after the plugins (jobs, locked documents, preferences,
        // migrations, KV) have the same id and version routes: the same check, before their hooks.
        for (const { config: collection } of Object.values(payload.collections)) {
          const hooks = (collection.hooks.beforeOperation ??= [])
          if (!hooks.includes(checkIdShape)) hooks.unshift(checkIdShape)
        }
        // Payload has no shutdown hook for plugins: the watch ends with the instance.
        const destroy = payload.destroy
        payload.destroy = async () => {
          watches.stop(payload)
          await destroy()
        }
      },
      // Refusals of what a request asks are the server working: one line at info, not a stack.
      logger: incoming.logger ?? refusalsAsInfoLogger(),
      graphQL: {
        ...incoming.graphQL,
        maxComplexity,
        disablePlaygroundInProduction: !playground,
        disableIntrospectionInProduction: !introspection,
        queries: (GraphQL, context) => ({
          ...incoming.graphQL?.queries?.(GraphQL, context),
          ...deliveredPostsQuery(GraphQL, context),
          ...accessQuery(GraphQL, context),
        }),
        validationRules: (args) => [
          ...(incoming.graphQL?.validationRules?.(args) ?? []),
          maxDepthRule(maxDepth),
          maxCostRule({
            maxCost: maxComplexity,
            maxLimit: readerMaxLimit,
            variables: args.variableValues,
          }),
        ],
      },
    }
  }
