import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

import { maxFileBytes } from './read'
import { processFile, Spill, type FileOutcome } from './stage'

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
  /** Hashes of files the database holds already: those are read and parsed, not transformed. */
  known: ReadonlySet<string>
  /** Spill files are this path plus `-<thread>`; the caller removes them. */
  spillBase: string
  /** The run's size limit of one archive file. @default maxFileBytes() (IMPORT_MAX_FILE_BYTES) */
  maxFileBytes?: number
}

/**
 * A worker holds one file's work at a time; left to its defaults, V8 lets each worker's heap grow
 * towards the main thread's limit before collecting, which put a 64k import over 1 GB of RSS.
 * Reading a whole page builds a jsdom window for it: with the default limit the worker's garbage
 * reached ~700 MB before collection (1,784 pages: peak RSS 849 -> 364 MB with a bound). 512 MB, not
 * less, still reads a 5 MB page (the default file size limit).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 }

/**
 * Runs read + parse + transform of archive files (./stage.ts, once per file), either in `size`
 * worker threads or (0) inline. The stages are pure, so a worker gives the same draft as the main
 * thread. Jobs go to the worker with the fewest in flight; the caller bounds how many it submits
 * ahead. When workers cannot start (e.g. a runtime that cannot load the TypeScript worker), it runs
 * inline.
 */
export class TransformPool {
  private workers: { worker: Worker; inFlight: number; dead?: boolean }[] = []
  private pending = new Map<
    number,
    { resolve: (r: FileOutcome) => void; reject: (e: Error) => void; slot: number }
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
        (msg: { ready?: boolean; id?: number; result?: FileOutcome; error?: string }) => {
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
          else job.resolve(msg.result!)
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

  /** Read, parse and transform one file (in a worker when there are any). */
  run(dir: string, file: string): Promise<FileOutcome> {
    const live = this.workers.filter((w) => !w.dead)
    if (!live.length) {
      this.inline ??= new Spill(`${this.options.spillBase}-main`)
      return processFile(dir, file, this.options.known, this.inline, this.options.maxFileBytes)
    }
    let slot = this.workers.indexOf(live[0])
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.workers[i].dead && this.workers[i].inFlight < this.workers[slot].inFlight) slot = i
    }
    const id = this.nextId++
    this.workers[slot].inFlight++
    return new Promise<FileOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot })
      this.workers[slot].worker.postMessage({ id, dir, file })
    })
  }

  async close() {
    await Promise.all(this.workers.filter(Boolean).map((w) => w.worker.terminate()))
    this.workers = []
    this.inline = undefined
  }
}
