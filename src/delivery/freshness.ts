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

/** What one watcher knows; changed only by the functions below. */
type WatchState = {
  epoch: number
  known: boolean
  validUntil: number
  lookingUp: boolean
  stopped: boolean
  seen: string | undefined
  settling: boolean
  /** With read replicas: the primary's position when the epoch last moved, until they replay it. */
  replaying: string | null
  timer: NodeJS.Timeout | undefined
}

type Watcher = { payload: Payload; now: () => number; settles: boolean; st: WatchState }

/** The earliest `publishedAt` still to come among published posts: when the next embargo ends. */
const lookUpNextEmbargo = async ({ payload, now, st }: Watcher): Promise<void> => {
  if (st.lookingUp || st.stopped) return
  st.lookingUp = true
  try {
    for (;;) {
      const asked = st.epoch
      const next = await nextEmbargoEnd(payload, now())
      if (st.stopped) return
      // Moved again while asking: the answer may predate that write; ask again.
      if (asked !== st.epoch) continue
      st.validUntil = next ? Date.parse(next) : Number.POSITIVE_INFINITY
      st.known = st.seen !== undefined
      return
    }
  } catch (err) {
    if (st.stopped) return
    payload.logger.error({
      err,
      msg: 'Delivery cache: could not look up the next embargo; not caching until it can',
    })
  } finally {
    st.lookingUp = false
  }
}

const move = (w: Watcher) => {
  w.st.epoch++
  w.st.known = false
  void lookUpNextEmbargo(w)
}

/** One read of the database's epoch, and what it means for this watcher. */
const poll = async (w: Watcher) => {
  const { payload, st } = w
  try {
    const value = await readContentEpoch(payload)
    if (st.stopped) return
    if (st.seen !== undefined && value !== st.seen) {
      // Read replicas serve content: not cached until each has replayed this write.
      st.replaying = await primaryWritePosition(payload)
      if (st.stopped) return
      move(w)
      // On MongoDB the bump can land just before its content commits: move again next time.
      st.settling = w.settles
    } else if (st.settling) {
      st.settling = false
      move(w)
    } else if (st.replaying !== null) {
      if (await replicasReplayed(payload, st.replaying)) {
        st.replaying = null
        // What was read from a lagging replica meanwhile is not reused.
        move(w)
      }
    } else if (!st.known && !st.lookingUp) {
      // The first answer: a replica may not have replayed this epoch's content yet either.
      if (st.seen === undefined) st.replaying = await primaryWritePosition(payload)
      if (st.stopped) return
      st.seen = value
      // The first answer, or a failed lookup retried.
      void lookUpNextEmbargo(w)
    }
    st.seen = value
  } catch (err) {
    if (st.stopped) return
    payload.logger.error({
      err,
      msg: 'Delivery cache: could not read the content epoch; not caching until it answers',
    })
    st.seen = undefined
    move(w)
  }
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
  const w: Watcher = {
    payload,
    now: options.now ?? Date.now,
    settles: epochMayPrecedeContent(payload),
    st: {
      epoch: 0,
      known: false,
      validUntil: Number.POSITIVE_INFINITY,
      lookingUp: false,
      stopped: false,
      seen: undefined,
      settling: false,
      replaying: null,
      timer: undefined,
    },
  }
  const { st } = w
  const start = () => {
    st.timer = setInterval(() => void poll(w), pollMs)
    st.timer.unref()
    void poll(w)
  }

  return {
    epoch: () => {
      if (!st.timer && !st.stopped) start()
      if (st.known && w.now() >= st.validUntil) move(w)
      return st.known && st.replaying === null ? st.epoch : undefined
    },
    defaultSeconds: 300,
    complete: true,
    describe: `the content epoch (polled every ${pollMs} ms), this process's writes and embargoes ending`,
    noteChange: () => move(w),
    stop: () => {
      st.stopped = true
      clearInterval(st.timer)
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
