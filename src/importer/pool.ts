import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

import { parseFile } from './parse'
import { readArchiveEntry } from './read'
import { transform, type TransformResult } from './transform'

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

/**
 * Runs read + parse + transform of archive files, either in `size` worker threads or (0) inline.
 * The stages are pure, so a worker gives the same draft as the main thread. Jobs go to the worker
 * with the fewest in flight; the caller bounds how many it submits ahead (memory stays flat).
 * When workers cannot start (e.g. a runtime that cannot load the TypeScript worker), it runs inline.
 */
export class TransformPool {
  private workers: { worker: Worker; inFlight: number; dead?: boolean }[] = []
  private pending = new Map<
    number,
    { resolve: (r: TransformResult) => void; reject: (e: Error) => void; slot: number }
  >()
  private nextId = 0

  private constructor() {}

  static async create(size: number): Promise<TransformPool> {
    const pool = new TransformPool()
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
    // Reading whole pages builds a jsdom window per page: with the default heap limit V8 let the
    // worker's garbage reach ~700 MB before collecting it; a bound makes it collect sooner (1,784
    // pages: peak RSS 849 -> 364 MB). 512 MB still reads a 5 MB page (the file size limit).
    const resourceLimits = { maxOldGenerationSizeMb: 512 }
    const worker = ts
      ? new Worker(
          `import(${JSON.stringify(tsxApi())}).then((api) => api.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`,
          { eval: true, resourceLimits },
        )
      : new Worker(url, { resourceLimits })
    worker.unref()
    this.workers[slot] = { worker, inFlight: 0 }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('transform worker did not start')), 30_000)
      worker.on(
        'message',
        (msg: { ready?: boolean; id?: number; result?: TransformResult; error?: string }) => {
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

  /** Transform one file (in a worker when there are any). */
  run(dir: string, file: string): Promise<TransformResult> {
    const live = this.workers.filter((w) => !w.dead)
    if (!live.length) {
      return readArchiveEntry(dir, file).then(({ raw, warnings }) =>
        transform(parseFile(raw, file, warnings), raw),
      )
    }
    let slot = this.workers.indexOf(live[0])
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.workers[i].dead && this.workers[i].inFlight < this.workers[slot].inFlight) slot = i
    }
    const id = this.nextId++
    this.workers[slot].inFlight++
    return new Promise<TransformResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot })
      this.workers[slot].worker.postMessage({ id, dir, file })
    })
  }

  async close() {
    await Promise.all(this.workers.filter(Boolean).map((w) => w.worker.terminate()))
    this.workers = []
  }
}
