import os from 'node:os'
import path from 'node:path'

import type { TransformPool } from '../importer/pool'

/**
 * The worker threads that transform feed items and parse big feeds, kept between ingest runs.
 *
 * Starting the importer's pool costs each thread its module graph (about 1 s of CPU a thread under
 * tsx): paid by every run, it was most of a poll of a few new items (one source, 10 items on the 64k
 * archive's database: 1.57 s of CPU, 0.07 s with the pool kept). A long-running
 * process (the server, whose `ingestFeeds` job runs every minute while sources are due) now keeps
 * one pool: started by the first run that has an item to transform (an unchanged poll starts none),
 * lent to every run after it, closed when no run has used it for `idleMs` and when the server shuts
 * down (`closeIngestWorkers`). Its idle threads and its idle timer never keep a process alive
 * (unref; a thread with a job does), so the CLI and tests exit without closing it. A thread that
 * dies is replaced (pool.ts). Five idle minutes: a newsroom with many sources polls every minute and
 * keeps it; one polled every 15 minutes pays the start per run, as before, and holds no idle threads
 * (about 50 MB each) meanwhile.
 */

/** The threads of a run's pool: as asked, at most the machine's cores. @default 2 */
export const ingestThreads = (asked?: number): number =>
  Math.max(1, Math.min(asked ?? 2, os.availableParallelism()))

/** How long an unused pool is kept. The ingest job runs every minute while sources are due. */
export const INGEST_WORKERS_IDLE_MS = 5 * 60_000

type Shared = {
  threads: number
  pool: Promise<TransformPool>
  /** Runs holding it now. */
  users: number
  idle?: NodeJS.Timeout
  idleMs: number
}

/** The process's pools, by thread count (every run asks for the same count unless told). */
const shared = new Map<number, Shared>()

/** What one run borrows: the pool, and its return (once, when the run ends). */
export type WorkersLease = {
  pool: Promise<TransformPool>
  release: () => void
}

const closeShared = async (entry: Shared) => {
  if (shared.get(entry.threads) === entry) shared.delete(entry.threads)
  clearTimeout(entry.idle)
  await (await entry.pool).close()
}

/** Starts a pool of `threads` item workers (none written to disk: no scan ever runs on it). */
const startPool = async (threads: number): Promise<TransformPool> => {
  const { TransformPool } = await import('../importer/pool')
  return TransformPool.create(threads, {
    known: new Set(),
    spillBase: path.join(os.tmpdir(), `ingest-${process.pid}-items`),
  })
}

/**
 * Borrows the process's pool of `threads` item workers, starting it when there is none. Every
 * `release` of a run's lease counts down; the last one starts the idle clock.
 */
export const borrowIngestWorkers = (
  threads: number,
  idleMs = INGEST_WORKERS_IDLE_MS,
): WorkersLease => {
  let entry = shared.get(threads)
  if (!entry) {
    entry = { threads, pool: startPool(threads), users: 0, idleMs }
    shared.set(threads, entry)
  }
  const held = entry
  held.users++
  held.idleMs = idleMs
  clearTimeout(held.idle)
  held.idle = undefined
  let released = false
  return {
    pool: held.pool,
    release: () => {
      if (released) return
      released = true
      if (--held.users > 0) return
      void held.pool.then(
        (pool) => {
          if (held.users > 0) return
          // A pool whose threads could not start runs items inline: the next run tries again.
          if (pool.threads === 0) return void closeShared(held)
          held.idle = setTimeout(() => void closeShared(held), held.idleMs)
          held.idle.unref()
        },
        () => void shared.delete(held.threads),
      )
    },
  }
}

/** Closes the kept pools (the server's shutdown; tests). Runs holding one see it closed. */
export const closeIngestWorkers = async (): Promise<void> => {
  await Promise.all([...shared.values()].map(closeShared))
}

/** How many pools the process keeps now, and their threads (tests, health). */
export const keptIngestWorkers = (): { pools: number } => ({ pools: shared.size })
