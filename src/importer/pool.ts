import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

import { maxFileBytes } from './read'
import {
  scanFile,
  Spill,
  transformSpilled,
  type FileOutcome,
  type SpillRef,
  type TransformOutcome,
} from './stage'

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

/** A job of a worker: scan a file, or transform a scanned one. */
export type PoolJob =
  { kind: 'scan'; dir: string; file: string } | { kind: 'transform'; ref: SpillRef; hash: string }

/**
 * Runs the stages of ./stage.ts (scan: read + parse; transform) either in `size` worker threads or
 * (0) inline. The stages are pure, so a worker gives the same result as the main thread. Jobs go to
 * the worker with the fewest in flight; the caller bounds how many it submits ahead. When workers
 * cannot start (e.g. a runtime that cannot load the TypeScript worker), it runs inline.
 */
export class TransformPool {
  private workers: { worker: Worker; inFlight: number; dead?: boolean }[] = []
  private pending = new Map<
    number,
    { resolve: (r: never) => void; reject: (e: Error) => void; slot: number }
  >()
  private nextId = 0
  private inline?: Spill

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

  private start(slot: number): Promise<void> {
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
    worker.unref()
    worker.postMessage({
      init: {
        known: [...this.options.known],
        spill: `${this.options.spillBase}-${slot}`,
        maxFileBytes: this.options.maxFileBytes,
      },
    })
    this.workers[slot] = { worker, inFlight: 0 }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('transform worker did not start')), 30_000)
      worker.on(
        'message',
        (msg: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
          if (msg.ready) {
            clearTimeout(timer)
            resolve()
            return
          }
          const job = this.pending.get(msg.id!)
          if (!job) return
          this.pending.delete(msg.id!)
          this.workers[job.slot].inFlight--
          if (msg.error != null) job.reject(new Error(msg.error))
          else job.resolve(msg.result as never)
        },
      )
      worker.on('error', (err) => {
        clearTimeout(timer)
        this.workers[slot].dead = true
        reject(err)
        // A crashed worker fails its jobs (each becomes a failed row); the others keep going.
        for (const [id, job] of this.pending) {
          if (job.slot !== slot) continue
          this.pending.delete(id)
          job.reject(err)
        }
      })
    })
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

  private live(): boolean {
    return this.workers.some((w) => !w.dead)
  }

  private send<T>(job: PoolJob): Promise<T> {
    let slot = this.workers.findIndex((w) => !w.dead)
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.workers[i].dead && this.workers[i].inFlight < this.workers[slot].inFlight) slot = i
    }
    const id = this.nextId++
    this.workers[slot].inFlight++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: never) => void, reject, slot })
      this.workers[slot].worker.postMessage({ id, job })
    })
  }

  async close() {
    await Promise.all(this.workers.filter(Boolean).map((w) => w.worker.terminate()))
    this.workers = []
    this.inline = undefined
  }
}
