import type { Payload } from 'payload'

import { contentGeneration } from './changes'

/**
 * Tells the delivery cache whether what a cached response was made from may have changed since.
 * A response is reused only under the epoch it was made in.
 */
export type Freshness = {
  /** The current epoch; `undefined` while it is not known (then nothing is cached or served from cache). */
  epoch: () => number | undefined
  /** How long a response may be reused within one epoch when the operator has not said, in seconds. */
  defaultSeconds: number
  /** What the epoch follows, for the logs and the README. */
  describe: string
  /**
   * Whether the epoch moves on every change, whoever makes it: then what was read in an epoch may be
   * kept for as long as it lasts. Otherwise only for `defaultSeconds`.
   */
  complete: boolean
  /** Stops watching (the server calls it before closing the database). */
  stop: () => void
}

/**
 * The epoch is this process's own count of writes to delivered content (the delivery plugin's
 * hooks). Writes made by other processes and embargoes ending are not seen: responses are reused
 * for 2 s at most by default.
 */
export const writesInThisProcess = (payload: Payload): Freshness => ({
  epoch: () => contentGeneration(payload),
  defaultSeconds: 2,
  describe: 'writes made through this process',
  complete: false,
  stop: () => {},
})

// The watch the server started for each Payload instance (tests boot several in one process).
const watches = new WeakMap<Payload, Freshness>()

/** The freshness the server watches for this Payload instance, if it runs one. */
export const freshnessOf = (payload: Payload): Freshness | undefined => watches.get(payload)

export type WatchOptions = {
  /** How often the database is asked whether anyone wrote to it, in ms. @default 250 */
  pollMs?: number
  /** The clock. @default Date.now */
  now?: () => number
}

type LibsqlClient = {
  execute: (sql: string) => Promise<{ rows: ArrayLike<Record<string, unknown> | unknown[]> }>
}

/** The first value of the first row of a libsql result, as a number. */
const firstNumber = (result: { rows: ArrayLike<Record<string, unknown> | unknown[]> }): number => {
  const row = result.rows[0]
  const value = Array.isArray(row) ? row[0] : row && Object.values(row)[0]
  return Number(value)
}

/**
 * What a published-and-due read returns can change in three ways, and the epoch moves on each:
 * - a write through this process's Payload (the delivery plugin's hooks; at once);
 * - a write to the database by anything else: another process, the CLI importer, the importer's
 *   bulk writer in this one (SQLite: `PRAGMA data_version` and `total_changes()`, asked every
 *   `pollMs`; seen within that);
 * - an embargo ending: a published post's `publishedAt` arriving, with no write at all (the earliest
 *   future `publishedAt` is looked up whenever the epoch moves; at that instant exactly).
 * Until the lookup after a move has answered, the epoch is unknown and the cache is bypassed.
 * Other adapters get `writesInThisProcess`.
 */
export const watchContent = (payload: Payload, options: WatchOptions = {}): Freshness => {
  const client = (payload.db as unknown as { client?: LibsqlClient }).client
  if (payload.db.name !== 'sqlite' || typeof client?.execute !== 'function')
    return writesInThisProcess(payload)
  const pollMs = options.pollMs ?? 250
  const now = options.now ?? Date.now

  let epoch = 0
  let known = false
  let validUntil = Number.POSITIVE_INFINITY
  let generation = contentGeneration(payload)
  let lookingUp = false
  let stopped = false
  let seen: string | undefined

  /** The earliest `publishedAt` still to come among published posts: when the next embargo ends. */
  const lookUpNextEmbargo = async (): Promise<void> => {
    if (lookingUp || stopped) return
    lookingUp = true
    try {
      for (;;) {
        const asked = epoch
        const { docs } = await payload.find({
          collection: 'posts',
          where: {
            and: [
              { _status: { equals: 'published' } },
              { publishedAt: { greater_than: new Date(now()).toISOString() } },
            ],
          },
          sort: 'publishedAt',
          limit: 1,
          pagination: false,
          depth: 0,
          select: { publishedAt: true },
          overrideAccess: true,
        })
        if (stopped) return
        // Moved again while asking: the answer may predate that write; ask again.
        if (asked !== epoch) continue
        const next = docs[0]?.publishedAt
        validUntil = next ? Date.parse(next) : Number.POSITIVE_INFINITY
        known = true
        return
      }
    } catch (err) {
      payload.logger.error({
        err,
        msg: 'Delivery cache: could not look up the next embargo; not caching until it can',
      })
    } finally {
      lookingUp = false
    }
  }

  const move = () => {
    epoch++
    known = false
    void lookUpNextEmbargo()
  }

  const poll = async () => {
    try {
      const [others, own] = await Promise.all([
        client.execute('PRAGMA data_version'),
        client.execute('SELECT total_changes()'),
      ])
      const fingerprint = `${firstNumber(others)}:${firstNumber(own)}`
      if (seen !== undefined && fingerprint !== seen) move()
      // A failed lookup is retried on the next tick.
      else if (!known && !lookingUp) void lookUpNextEmbargo()
      seen = fingerprint
    } catch (err) {
      if (stopped) return
      payload.logger.error({
        err,
        msg: 'Delivery cache: could not ask the database for changes; not caching until it answers',
      })
      seen = undefined
      move()
    }
  }
  const timer = setInterval(() => void poll(), pollMs)
  timer.unref()
  void poll()
  void lookUpNextEmbargo()

  const freshness: Freshness = {
    epoch: () => {
      const current = contentGeneration(payload)
      if (current !== generation) {
        generation = current
        move()
      }
      if (known && now() >= validUntil) move()
      return known ? epoch : undefined
    },
    defaultSeconds: 300,
    complete: true,
    describe: `writes by any process (polled every ${pollMs} ms) and embargoes ending`,
    stop: () => {
      stopped = true
      clearInterval(timer)
      if (watches.get(payload) === freshness) watches.delete(payload)
    },
  }
  watches.set(payload, freshness)
  return freshness
}
