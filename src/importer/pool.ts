import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

import { readFeedBytes, type FeedRead } from '../feeds/parse'
import type { ParsedFile } from './parse'
import { maxFileBytes } from './read'
import {
  scanFile,
  Spill,
  transformItem,
  transformSpilled,
  type FileOutcome,
  type SpillRef,
  type TransformOutcome,
} from './stage'
import type { TransformResult } from './transform'

/** tsx's ESM API (`tsx/esm/api`), as a URL. */
const tsxApi = () =>
  pathToFileURL(
    path.join(
      path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
      'dist',
      'esm',
      'api',
      'index.mjs',
    ),
  ).href

export type PoolOptions = {
  /** Hashes of files the database holds already: those are read and parsed, not spilled. */
  known: ReadonlySet<string>
  /** Spill files (of parsed files) are this path plus `-<thread>`; the caller removes them. */
  spillBase: string
  /** The run's size limit of one archive file. @default maxFileBytes() (IMPORT_MAX_FILE_BYTES) */
  maxFileBytes?: number
}

/**
 * A worker holds one file's work at a time; left to its defaults, V8 lets each worker's heap grow
 * towards the main thread's limit before collecting, which put a 64k import over 1 GB of RSS.
 * 512 MB, not less, still reads a 5 MB page (the default file size limit) on jsdom, the reader
 * view's second DOM.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 }

/**
 * A job of a worker: scan a file, transform a scanned one, transform a parsed document handed
 * over whole (a feed item: live ingest), or read a feed's bytes (live ingest).
 */
export type PoolJob =
  | { kind: 'scan'; dir: string; file: string }
  | { kind: 'transform'; ref: SpillRef; hash: string }
  | { kind: 'item'; parsed: ParsedFile; hash: string }
  | { kind: 'feed'; body: Uint8Array; contentType?: string; url: string }

/** A job sent to a worker and not answered yet. */
type InFlight = {
  job: PoolJob
  resolve: (r: never) => void
  reject: (e: Error) => void
  slot: number
  /** Times it was sent (a job in the queue of a worker that died is sent again, once). */
  tries: number
  timer?: NodeJS.Timeout
}

type PoolWorker = { worker: Worker; inFlight: number; dead?: boolean; generation: number }

/**
 * A worker keeps the process alive while it has jobs, never while it waits for one: a process that
 * keeps a pool between runs (live ingest's, src/ingest/workers.ts) exits when its work is done
 * without closing it. (Set after every listener: adding a 'message' listener refs the port again.)
 */
const holdProcess = (entry: PoolWorker) => {
  if (entry.inFlight > 0) entry.worker.ref()
  else entry.worker.unref()
}

/** The error of a job whose worker was stopped or died while it ran. */
export class WorkerJobError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WorkerJobError'
  }
}

/**
 * Runs the stages of ./stage.ts (scan: read + parse; transform) either in `size` worker threads or
 * (0) inline. The stages are pure, so a worker gives the same result as the main thread. Jobs go to
 * the worker with the fewest in flight; the caller bounds how many it submits ahead. When workers
 * cannot start (e.g. a runtime that cannot load the TypeScript worker), it runs inline.
 */
export class TransformPool {
  private workers: PoolWorker[] = []
  private pending = new Map<number, InFlight>()
  private nextId = 0
  private inline?: Spill
  private closed = false
  /** Workers started in place of dead ones (each gets a spill file of its own). */
  private generation = 0

  private readonly options: Required<PoolOptions>

  private constructor(options: PoolOptions) {
    // Read once per pool (a run): every file of the run gets the same limit.
    this.options = { ...options, maxFileBytes: options.maxFileBytes ?? maxFileBytes() }
  }

  static async create(size: number, options: PoolOptions): Promise<TransformPool> {
    const pool = new TransformPool(options)
    if (size > 0) {
      try {
        await Promise.all(Array.from({ length: size }, (_, i) => pool.start(i)))
      } catch {
        await pool.close()
        pool.workers = []
      }
    }
    return pool
  }

  get threads(): number {
    return this.workers.length
  }

  /** The thread ids of the live workers (which threads a pool kept between runs still has). */
  get threadIds(): number[] {
    return this.workers.filter((w) => !w.dead).map((w) => w.worker.threadId)
  }

  private start(slot: number, generation = 0): Promise<void> {
    const ts = import.meta.url.endsWith('.ts')
    const url = new URL(`./transformWorker${ts ? '.ts' : '.js'}`, import.meta.url)
    // Running from TypeScript (tsx): loaders do not carry over to workers, so the worker is a small
    // script that loads the TypeScript module through tsx's API.
    const worker = ts
      ? new Worker(
          `import(${JSON.stringify(tsxApi())}).then((api) => api.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`,
          { eval: true, resourceLimits: WORKER_LIMITS },
        )
      : new Worker(url, { resourceLimits: WORKER_LIMITS })
    worker.postMessage({
      init: {
        known: [...this.options.known],
        // A worker started in place of a dead one never writes over its predecessor's spill file.
        spill: `${this.options.spillBase}-${slot}${generation ? `.${generation}` : ''}`,
        maxFileBytes: this.options.maxFileBytes,
      },
    })
    const entry: PoolWorker = { worker, inFlight: 0, generation }
    this.workers[slot] = entry
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('transform worker did not start')), 30_000)
      worker.on(
        'message',
        (msg: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
          if (msg.ready) {
            clearTimeout(timer)
            holdProcess(entry)
            resolve()
            return
          }
          const job = this.pending.get(msg.id!)
          if (!job) return
          this.pending.delete(msg.id!)
          clearTimeout(job.timer)
          entry.inFlight--
          holdProcess(entry)
          if (msg.error != null) job.reject(new Error(msg.error))
          else job.resolve(msg.result as never)
        },
      )
      const died = (err: Error) => {
        clearTimeout(timer)
        reject(err)
        if (entry.dead) return
        entry.dead = true
        this.orphaned(slot, entry.generation, err)
      }
      worker.on('error', died)
      worker.on('exit', (code) => died(new Error(`transform worker exited with code ${code}`)))
    })
  }

  /**
   * A worker died (crashed, ran out of memory, or was stopped at a job's deadline): the job it was
   * running fails with the reason (`runningFailed`: that job has failed already); the jobs queued
   * behind it are sent again, to a live worker or one started in its place, once each.
   */
  private orphaned(slot: number, generation: number, err: Error, runningFailed = false) {
    const jobs = [...this.pending.entries()]
      .filter(([, j]) => j.slot === slot && this.generationOf(j) === generation)
      .sort(([a], [b]) => a - b)
    for (const [id, job] of jobs) {
      this.pending.delete(id)
      clearTimeout(job.timer)
    }
    jobs.forEach(([, job], i) => {
      if ((i === 0 && !runningFailed) || job.tries >= 2 || this.closed)
        job.reject(new WorkerJobError(err.message))
      else
        this.dispatch(job.job, job.tries + 1, undefined).then(
          job.resolve as (r: unknown) => void,
          job.reject,
        )
    })
  }

  /** The generation of the worker a job was sent to (recorded when sent). */
  private generationOf(job: InFlight): number {
    return (job as InFlight & { generation: number }).generation
  }

  /** Reads and parses one file, spilling its parsed form (in a worker when there are any). */
  scan(dir: string, file: string): Promise<FileOutcome> {
    if (!this.live()) {
      this.inline ??= new Spill(`${this.options.spillBase}-main`)
      const spill = this.inline
      return Promise.resolve().then(() =>
        scanFile(dir, file, this.options.known, spill, this.options.maxFileBytes),
      )
    }
    return this.send<FileOutcome>({ kind: 'scan', dir, file })
  }

  /** Transforms a scanned file from its spilled parsed form (in a worker when there are any). */
  transform(ref: SpillRef, hash: string): Promise<TransformOutcome> {
    if (!this.live()) return Promise.resolve().then(() => transformSpilled(ref, hash))
    return this.send<TransformOutcome>({ kind: 'transform', ref, hash })
  }

  /**
   * Transforms a parsed document (a feed item) in a worker, never on this thread: a hostile item
   * costs a worker's time, not the server's. A worker that runs one item longer than `timeoutMs` is
   * stopped (and another started): that item fails with the reason, the others are sent again. A
   * worker that dies on an item (out of memory, a crash) fails that item the same way.
   */
  transformItem(parsed: ParsedFile, hash: string, timeoutMs?: number): Promise<TransformResult> {
    if (this.workers.length === 0) {
      if (this.closed) return Promise.reject(new Error('transform pool is closed'))
      // No worker could start here (create): the caller's thread, as the importer does.
      return Promise.resolve().then(() => transformItem(parsed, hash))
    }
    return this.dispatch<TransformResult>({ kind: 'item', parsed, hash }, 1, timeoutMs)
  }

  /**
   * Decodes and parses a feed's bytes in a worker (live ingest: a big feed), with the deadline and
   * the replacement of a stopped worker of `transformItem`.
   */
  parseFeed(
    body: Uint8Array,
    contentType: string | undefined,
    url: string,
    timeoutMs?: number,
  ): Promise<FeedRead> {
    if (this.workers.length === 0) {
      if (this.closed) return Promise.reject(new Error('transform pool is closed'))
      return Promise.resolve().then(() => readFeedBytes(body, contentType, url))
    }
    return this.dispatch<FeedRead>({ kind: 'feed', body, contentType, url }, 1, timeoutMs)
  }

  private live(): boolean {
    return this.workers.some((w) => !w.dead)
  }

  private send<T>(job: PoolJob): Promise<T> {
    return this.dispatch<T>(job, 1, undefined)
  }

  /** Sends a job to the live worker with the fewest in flight, starting one where all are dead. */
  private async dispatch<T>(job: PoolJob, tries: number, timeoutMs?: number): Promise<T> {
    if (!this.live()) {
      if (this.closed) throw new Error('transform pool is closed')
      // Every worker died: one is started in place of the first (the others on later deaths).
      const slot = 0
      await this.start(slot, ++this.generation)
    }
    this.restartDead()
    let slot = this.workers.findIndex((w) => !w.dead)
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.workers[i].dead && this.workers[i].inFlight < this.workers[slot].inFlight) slot = i
    }
    const entry = this.workers[slot]
    const id = this.nextId++
    entry.inFlight++
    holdProcess(entry)
    const deadline = timeoutMs
      ? () => {
          // Still queued behind other jobs: its clock has not started.
          const job = this.pending.get(id)
          if (!job) return
          const waiting = [...this.pending.entries()].some(
            ([other, j]) =>
              other < id && j.slot === slot && this.generationOf(j) === entry.generation,
          )
          if (waiting) {
            job.timer = setTimeout(deadline!, timeoutMs)
            return
          }
          // This job is the one running: stop its worker; the queue behind it is sent again.
          this.pending.delete(id)
          job.reject(
            new WorkerJobError(
              `the transform took longer than ${Math.round(timeoutMs / 1000)} s (stopped)`,
            ),
          )
          void this.replace(slot, entry)
        }
      : undefined
    return new Promise<T>((resolve, reject) => {
      const inFlight: InFlight & { generation: number } = {
        job,
        resolve: resolve as (r: never) => void,
        reject,
        slot,
        tries,
        generation: entry.generation,
        timer: deadline ? setTimeout(deadline, timeoutMs) : undefined,
      }
      this.pending.set(id, inFlight)
      entry.worker.postMessage({ id, job })
    })
  }

  /**
   * Starts a worker in the place of each one that died while others lived: a pool kept between runs
   * (live ingest's, src/ingest/workers.ts) would otherwise lose a thread for good at each crash.
   * Jobs go to it once it is there (it queues them until it is ready).
   */
  private restartDead() {
    if (this.closed) return
    this.workers.forEach((w, slot) => {
      if (!w.dead) return
      // A failure to start is the new worker's death: its jobs are sent again (orphaned).
      this.start(slot, ++this.generation).catch(() => undefined)
    })
  }

  /** Stops a worker (its queued jobs go to the one started in its place). */
  private async replace(slot: number, entry: PoolWorker) {
    if (entry.dead) return
    entry.dead = true
    const generation = ++this.generation
    // Its failure to start is seen by the next job (dispatch starts one when none is live).
    const started = this.closed
      ? Promise.resolve()
      : this.start(slot, generation).catch(() => undefined)
    this.orphaned(slot, entry.generation, new Error('stopped'), true)
    await entry.worker.terminate()
    await started
  }

  async close() {
    this.closed = true
    for (const job of this.pending.values()) clearTimeout(job.timer)
    await Promise.all(this.workers.filter(Boolean).map((w) => w.worker.terminate()))
    this.workers = []
    this.inline = undefined
  }
}
