import type { CollectionBeforeOperationHook } from 'payload'

import { RequestRefused } from '../lib/refusal'
import { parseSetting, settings } from '../config'

/** `DELIVERY_MAX_LIMIT`, checked: a typo must not silently lift the cap. */
export const readerMaxLimitFromEnv = (value?: string): number =>
  value === undefined ? settings().deliveryMaxLimit : parseSetting('deliveryMaxLimit', value)

/** The deepest page a reader may ask for (an offset past this many pages is never a real page). */
export const MAX_READER_PAGE = 1_000_000

type ReadArgs = {
  page?: unknown
  limit?: unknown
  pagination?: unknown
  joins?: unknown
}

const refuseLimit = (asked: unknown, maxLimit: number, what: string): void => {
  if (asked === undefined) return
  const limit = typeof asked === 'string' && asked.trim() !== '' ? Number(asked) : asked
  if (typeof limit !== 'number' || !Number.isInteger(limit)) {
    throw new RequestRefused(`${what}=${String(asked)} is not a whole number.`)
  }
  // Payload reads 0 (and nothing else) as "every document".
  if (limit < 1 || limit > maxLimit) {
    throw new RequestRefused(
      `${what}=${limit} is outside what readers may ask for: 1 to ${maxLimit} (DELIVERY_MAX_LIMIT).`,
    )
  }
}

const refusePage = (asked: unknown, what: string): void => {
  if (asked === undefined) return
  const page = typeof asked === 'string' && asked.trim() !== '' ? Number(asked) : asked
  // `page=1e309` reached SQLite as an Infinity offset (500).
  if (typeof page !== 'number' || !Number.isInteger(page) || page < 1 || page > MAX_READER_PAGE) {
    throw new RequestRefused(`${what}=${String(asked)} is not a page from 1 to ${MAX_READER_PAGE}.`)
  }
}

/**
 * Caps what one read by someone not signed in may return: `limit` (lists and every join inside a
 * document) at most `maxLimit`, never 0 (Payload's "all"), and no `pagination=false`. A 400 that
 * names the cap, rather than a silently shorter answer. Applies to REST and GraphQL alike; GraphQL
 * also has a cost per query (graphqlCost.ts) since one query can hold many lists.
 *
 * Signed-in staff are not capped: the admin asks for long lists (list view "show 100+", relationship
 * pickers, exports), staff are few and accountable, and their requests skip the anonymous rate limit
 * for the same reason.
 */
export const limitResultsForReaders =
  (maxLimit: number): CollectionBeforeOperationHook =>
  ({ args, operation, req }) => {
    if (operation !== 'read' || req.user) return args
    // Only what a client asked for over REST or GraphQL: not the server's own Local API reads
    // (feeds choose their sizes) nor Payload populating relationships (`disableErrors`, by id).
    if (req.payloadAPI !== 'REST' && req.payloadAPI !== 'GraphQL') return args
    const readArgs = args as ReadArgs & { overrideAccess?: boolean; disableErrors?: boolean }
    if (readArgs.overrideAccess || readArgs.disableErrors) return args
    const unpaginated = readArgs.pagination === false || readArgs.pagination === 'false'
    refusePage(readArgs.page, 'page')
    if (req.payloadAPI === 'GraphQL') {
      // A join inside a GraphQL document (`Author.posts`) is read unpaginated with its `limit` + 1
      // (to know whether there is a next page), and with no `limit` at all as "every document".
      if (unpaginated && (readArgs.limit === undefined || readArgs.limit === 0)) {
        throw new RequestRefused(
          `Every list a reader asks for needs a limit of 1 to ${maxLimit} (DELIVERY_MAX_LIMIT), joins such as Author.posts included.`,
        )
      }
      refuseLimit(readArgs.limit, unpaginated ? maxLimit + 1 : maxLimit, 'limit')
      return args
    }
    // Unpaginated with a limit in range is as small as a page (Payload's own file route asks for
    // the one doc behind a file that way, @payloadcms/plugin-cloud-storage's getFilePrefix).
    const limit = typeof readArgs.limit === 'string' ? Number(readArgs.limit) : readArgs.limit
    const boundedLimit =
      typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= maxLimit
    if (unpaginated && !boundedLimit) {
      throw new RequestRefused(
        `pagination=false is not available to readers: ask for pages of at most ${maxLimit} (DELIVERY_MAX_LIMIT).`,
      )
    }
    refuseLimit(readArgs.limit, maxLimit, 'limit')
    if (readArgs.joins && typeof readArgs.joins === 'object') {
      for (const [name, join] of Object.entries(readArgs.joins as Record<string, unknown>)) {
        if (join && typeof join === 'object') {
          refuseLimit((join as { limit?: unknown }).limit, maxLimit, `joins[${name}][limit]`)
          refusePage((join as { page?: unknown }).page, `joins[${name}][page]`)
        }
      }
    }
    return args
  }
