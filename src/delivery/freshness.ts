import type { Payload } from 'payload'

import {
  epochMayPrecedeContent,
  primaryWritePosition,
  readContentEpoch,
  replicasReplayed,
} from '../store/epoch'
import { POSTS } from '../lib/slugs'

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
   * Whether the epoch moves on every change readers can see, whoever makes it: then what was read in
   * an epoch may be kept for as long as it lasts. Otherwise only for `defaultSeconds`.
   */
  complete: boolean
  /** A change made through this process: the epoch moves at once. */
  noteChange: () => void
  /** Stops watching. */
  stop: () => void
}

/**
 * The epoch moves only on this process's own changes (`noteChange`): responses are reused for 2 s
 * at most by default. For an HTTP cache mounted without the delivery plugin.
 */
export const writesInThisProcess = (): Freshness => {
  let epoch = 0
  return {
    epoch: () => epoch,
    defaultSeconds: 2,
    describe: 'writes made through this process',
    complete: false,
    noteChange: () => {
      epoch++
    },
    stop: () => {},
  }
}

export type WatchOptions = {
  /** How often the content epoch is read from the database, in ms. @default 250 */
  pollMs?: number
  /** The clock. @default Date.now */
  now?: () => number
}

/** The earliest `publishedAt` after `at` among published posts: when the next embargo ends. */
const nextEmbargoEnd = async (payload: Payload, at: number): Promise<string | undefined> => {
  const { docs } = await payload.find({
    collection: POSTS,
    where: {
      and: [
        { _status: { equals: 'published' } },
        { publishedAt: { greater_than: new Date(at).toISOString() } },
      ],
    },
    sort: 'publishedAt',
    limit: 1,
    pagination: false,
    depth: 0,
    select: { publishedAt: true },
    overrideAccess: true,
  })
  return docs[0]?.publishedAt ?? undefined
}

/**
 * What a published-and-due read returns can change in three ways, and the epoch moves on each:
 * - a change through this process (the delivery plugin's hooks call `noteChange`; at once);
 * - a change through any process, this one included: every such write bumps the content epoch in the
 *   database (src/store/epoch.ts; the hooks, and the importer's writer), which is read every
 *   `pollMs` (seen within that, on every server, SQLite or MongoDB);
 * - an embargo ending: a published post's `publishedAt` arriving, with no write at all (the earliest
 *   future `publishedAt` is looked up whenever the epoch moves; at that instant exactly).
 * Writes that readers cannot see (draft saves, jobs, import runs, preferences) bump nothing.
 * Until the first read of the epoch and the lookup after a move have answered, the epoch is unknown
 * and the cache is bypassed. Nothing is read until the epoch is first asked for.
 */
export const watchContent = (payload: Payload, options: WatchOptions = {}): Freshness => {
  const pollMs = options.pollMs ?? 250
  const now = options.now ?? Date.now
  const settles = epochMayPrecedeContent(payload)

  let epoch = 0
  let known = false
  let validUntil = Number.POSITIVE_INFINITY
  let lookingUp = false
  let stopped = false
  let seen: string | undefined
  let settling = false
  /** With read replicas: the primary's position when the epoch last moved, until they replay it. */
  let replaying: string | null = null
  let timer: NodeJS.Timeout | undefined

  /** The earliest `publishedAt` still to come among published posts: when the next embargo ends. */
  const lookUpNextEmbargo = async (): Promise<void> => {
    if (lookingUp || stopped) return
    lookingUp = true
    try {
      for (;;) {
        const asked = epoch
        const next = await nextEmbargoEnd(payload, now())
        if (stopped) return
        // Moved again while asking: the answer may predate that write; ask again.
        if (asked !== epoch) continue
        validUntil = next ? Date.parse(next) : Number.POSITIVE_INFINITY
        known = seen !== undefined
        return
      }
    } catch (err) {
      if (stopped) return
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
      const value = await readContentEpoch(payload)
      if (stopped) return
      if (seen !== undefined && value !== seen) {
        // Read replicas serve content: not cached until each has replayed this write.
        replaying = await primaryWritePosition(payload)
        if (stopped) return
        move()
        // On MongoDB the bump can land just before its content commits: move again next time.
        settling = settles
      } else if (settling) {
        settling = false
        move()
      } else if (replaying !== null) {
        if (await replicasReplayed(payload, replaying)) {
          replaying = null
          // What was read from a lagging replica meanwhile is not reused.
          move()
        }
      } else if (!known && !lookingUp) {
        // The first answer: a replica may not have replayed this epoch's content yet either.
        if (seen === undefined) replaying = await primaryWritePosition(payload)
        if (stopped) return
        seen = value
        // The first answer, or a failed lookup retried.
        void lookUpNextEmbargo()
      }
      seen = value
    } catch (err) {
      if (stopped) return
      payload.logger.error({
        err,
        msg: 'Delivery cache: could not read the content epoch; not caching until it answers',
      })
      seen = undefined
      move()
    }
  }

  const start = () => {
    timer = setInterval(() => void poll(), pollMs)
    timer.unref()
    void poll()
  }

  return {
    epoch: () => {
      if (!timer && !stopped) start()
      if (known && now() >= validUntil) move()
      return known && replaying === null ? epoch : undefined
    },
    defaultSeconds: 300,
    complete: true,
    describe: `the content epoch (polled every ${pollMs} ms), this process's writes and embargoes ending`,
    noteChange: move,
    stop: () => {
      stopped = true
      clearInterval(timer)
    },
  }
}

/**
 * The content watch of each Payload instance booted from one config (tests boot several), owned by
 * the delivery plugin: made on first use, stopped when the instance is destroyed.
 */
export type ContentWatches = {
  /** The instance's watch, made (not yet reading anything) if it has none. */
  of: (payload: Payload) => Freshness
  /** The instance's watch if something asked for it: a change has nothing to tell otherwise. */
  existing: (payload: Payload) => Freshness | undefined
  stop: (payload: Payload) => void
}

export const contentWatches = (options: WatchOptions = {}): ContentWatches => {
  const watches = new WeakMap<Payload, Freshness>()
  return {
    of: (payload) => {
      let watch = watches.get(payload)
      if (!watch) {
        watch = watchContent(payload, options)
        watches.set(payload, watch)
      }
      return watch
    },
    existing: (payload) => watches.get(payload),
    stop: (payload) => {
      watches.get(payload)?.stop()
      watches.delete(payload)
    },
  }
}

type DeliveryCustom = { newsroomDelivery?: { watches: ContentWatches } }

/**
 * The content watch the delivery plugin keeps for this instance; `undefined` when the config has no
 * delivery plugin (then callers fall back to `writesInThisProcess`).
 */
export const freshnessOf = (payload: Payload): Freshness | undefined =>
  (payload.config.custom as DeliveryCustom | undefined)?.newsroomDelivery?.watches.of(payload)

/** What the plugin puts into `config.custom` so that the HTTP side finds its watches. */
export const deliveryCustom = (watches: ContentWatches): DeliveryCustom => ({
  newsroomDelivery: { watches },
})
