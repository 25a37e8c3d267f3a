import type { Express } from 'express'
import type { Payload } from 'payload'

import { feedRenderer, feedsRouter, type FeedsOptions } from './feeds'
import { freshnessOf, writesInThisProcess } from './freshness'
import { boundGraphQLDocuments, type GraphQLDocumentLimits } from './graphqlBounds'
import { httpCache, type HttpCacheOptions, type Render } from './httpCache'
import { optimizeDatabase } from '../store/optimizeDatabase'
import { anonymousRateLimit, type RateLimitOptions } from './rateLimit'
import { DELIVERED_COLLECTIONS } from '../lib/slugs'

export { deliveryPlugin } from './plugin'
export { optimizeDatabase } from '../store/optimizeDatabase'

export type DeliveryOptions = {
  /** Payload's REST route. @default payload.config.routes.api */
  api?: string
  /** Run `ANALYZE` / `PRAGMA optimize` before serving (SQLite only). @default true */
  optimize?: boolean
  rateLimit?: RateLimitOptions
  cache?: Omit<HttpCacheOptions, 'isPublicRead' | 'freshness' | 'render'>
  /**
   * Payload's REST and GraphQL handlers, as the server mounts them after this: the cache renders an
   * anonymous read through them into a buffer (a WHATWG `Response`), keeps it and sends it.
   */
  render: Render
  feeds?: FeedsOptions
  /** What one GraphQL document may hold (graphqlBounds.ts). @default DEFAULT_GRAPHQL_LIMITS */
  graphQLLimits?: GraphQLDocumentLimits
}

/**
 * Mounts the delivery layer on the server's Express app, in front of Payload's REST and GraphQL:
 * the anonymous rate limit, the bounds of a GraphQL document, HTTP caching on `${api}` and `/feeds`,
 * then the feeds (for the requests the cache leaves: readers signed in). Call it before the Payload
 * handlers are mounted. The cache follows the delivery plugin's content watch,
 * which lives and ends with the Payload instance.
 */
export const mountDelivery = async (
  app: Express,
  payload: Payload,
  options: DeliveryOptions,
): Promise<void> => {
  const api = options.api ?? payload.config.routes.api ?? '/api'
  if (options.optimize ?? true) {
    const { ran, ms } = await optimizeDatabase(payload)
    if (ran !== 'nothing') payload.logger.info(`Delivery: ${ran} took ${ms} ms`)
  }
  const publicRead = new RegExp(
    `^(?:${api}/(?:${DELIVERED_COLLECTIONS.join('|')})(?:/[^/]+)?|/feeds/.+)/?$`,
  )
  const paths = [api, '/feeds']
  const graphQLPath = `${api}${payload.config.routes.graphQL ?? '/graphql'}`
  app.use(paths, anonymousRateLimit(payload, options.rateLimit))
  // Before anything parses the document (the cache below does, to tell a query from a mutation).
  app.post(graphQLPath, boundGraphQLDocuments(options.graphQLLimits))
  const freshness = freshnessOf(payload)
  if (!freshness)
    payload.logger.warn(
      'Delivery: the config has no deliveryPlugin(); the cache sees only this process and keeps responses 2 s',
    )
  const feeds = feedRenderer(payload, options.feeds)
  app.use(
    paths,
    httpCache(payload, {
      ...options.cache,
      render: async (req) => (await feeds(req)) ?? options.render(req),
      freshness: freshness ?? writesInThisProcess(),
      isPublicRead: (path) => publicRead.test(path) && !path.endsWith('/versions'),
      graphQLPath,
    }),
  )
  app.use(feedsRouter(feeds))
}
