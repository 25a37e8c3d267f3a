// A worker of the transform pool (see pool.ts): the stages of ./stage.ts (scan: read + parse;
// transform), pure, no Payload. The first message names the hashes the database holds and this
// worker's spill file.
import os from 'node:os'
import { parentPort } from 'node:worker_threads'

import { readFeedBytes } from '../feeds/parse'
import type { PoolJob } from './pool'
import { scanFile, Spill, transformItem, transformSpilled } from './stage'

let known: ReadonlySet<string> = new Set()
let spillPath: string | undefined
/** Created at the first scan: a pool that only transforms items (live ingest) writes no file. */
let spill: Spill | undefined
let limit = 0
let queue = Promise.resolve()

// While the run writes, the main thread writes every post and the workers transform ahead of it: on
// a machine with as many workers as cores, an even share of the CPU slows the writer, which the whole
// run waits for. A lower priority for this thread (Linux keeps a nice value per thread, and
// setpriority(pid 0) sets the calling thread's) lets the writer have its core: a 64k import took
// 68 s instead of 73 s, measured back to back. Elsewhere (one nice value per process) it is skipped.
const WORKER_NICE = 10
if (process.platform === 'linux') {
  try {
    os.setPriority(0, Math.max(os.getPriority(0), WORKER_NICE))
  } catch {
    // Not allowed here: the workers run at the process's priority.
  }
}

parentPort?.on(
  'message',
  (msg: {
    init?: { known: string[]; spill: string; maxFileBytes: number }
    id: number
    job: PoolJob
  }) => {
    if (msg.init) {
      known = new Set(msg.init.known)
      spillPath = msg.init.spill
      limit = msg.init.maxFileBytes
      return
    }
    const { id, job } = msg
    // One job at a time, so the stage timings stay each file's own.
    queue = queue.then(async () => {
      // A turn of the event loop between jobs: jsdom (the reader view's second DOM) releases a
      // closed window's weak references only then.
      await new Promise((resolve) => setImmediate(resolve))
      try {
        if (!spillPath) throw new Error('transform worker: no spill file (init message missing)')
        const result =
          job.kind === 'scan'
            ? scanFile(job.dir, job.file, known, (spill ??= new Spill(spillPath)), limit)
            : job.kind === 'transform'
              ? transformSpilled(job.ref, job.hash)
              : job.kind === 'item'
                ? transformItem(job.parsed, job.hash)
                : readFeedBytes(job.body, job.contentType, job.url)
        parentPort!.postMessage({ id, result })
      } catch (err) {
        parentPort!.postMessage({ id, error: (err as Error)?.message ?? String(err) })
      }
    })
  },
)
parentPort?.postMessage({ ready: true })
