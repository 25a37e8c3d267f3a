import type { Express } from 'express'
import type { Payload } from 'payload'

import { feedsRouter, type FeedsOptions } from './feeds'
import { watchContent, type WatchOptions } from './freshness'
import { httpCache, type HttpCacheOptions } from './httpCache'
import { optimizeDatabase } from './optimizeDatabase'
import { anonymousRateLimit, type RateLimitOptions } from './rateLimit'

export { deliveryPlugin } from './plugin'
export { optimizeDatabase } from './optimizeDatabase'

export type DeliveryOptions = {
  /** Payload's REST route. @default payload.config.routes.api */
  api?: string
  /** Run `ANALYZE` / `PRAGMA optimize` before serving (SQLite only). @default true */
  optimize?: boolean
  rateLimit?: RateLimitOptions
  cache?: Omit<HttpCacheOptions, 'isPublicRead' | 'freshness'>
  /** How the cache learns of changes (see src/delivery/freshness.ts). */
  watch?: WatchOptions
  feeds?: FeedsOptions
}

/** The collections readers' apps read anonymously, by list or by id. */
const PUBLIC_COLLECTIONS = ['posts', 'sources', 'categories', 'authors', 'media']

/**
 * Mounts the delivery layer on the server's Express app, in front of Payload's REST and GraphQL:
 * the anonymous rate limit and HTTP caching on `${api}` and `/feeds`, then the feeds. Call it
 * before the Payload handlers are mounted, and `stop()` what it returns before closing Payload.
 */
export const mountDelivery = async (
  app: Express,
  payload: Payload,
  options: DeliveryOptions = {},
): Promise<{ stop: () => void }> => {
  const api = options.api ?? payload.config.routes.api ?? '/api'
  if (options.optimize ?? true) {
    const { ran, ms } = await optimizeDatabase(payload)
    if (ran !== 'nothing') payload.logger.info(`Delivery: ${ran} took ${ms} ms`)
  }
  const publicRead = new RegExp(
    `^(?:${api}/(?:${PUBLIC_COLLECTIONS.join('|')})(?:/[^/]+)?|/feeds/.+)/?$`,
  )
  const paths = [api, '/feeds']
  app.use(paths, anonymousRateLimit(payload, options.rateLimit))
  const freshness = watchContent(payload, options.watch)
  app.use(
    paths,
    httpCache(payload, {
      ...options.cache,
      freshness,
      isPublicRead: (path) => publicRead.test(path) && !path.endsWith('/versions'),
      graphQLPath: `${api}${payload.config.routes.graphQL ?? '/graphql'}`,
    }),
  )
  app.use(feedsRouter(payload, options.feeds))
  return { stop: freshness.stop }
}
