// A worker of the transform pool (see pool.ts): read + parse + transform files (./stage.ts), pure,
// no Payload. The first message names the hashes the database holds and this worker's spill file.
import { parentPort } from 'node:worker_threads'

import { readArchiveEntry } from './read'
import { processFile, Spill } from './stage'

let known: ReadonlySet<string> = new Set()
let spill: Spill | undefined
let limit = 0
let queue = Promise.resolve()

parentPort?.on(
  'message',
  (msg: {
    init?: { known: string[]; spill: string; maxFileBytes: number }
    id: number
    dir: string
    file: string
  }) => {
    if (msg.init) {
      known = new Set(msg.init.known)
      spill = new Spill(msg.init.spill)
      limit = msg.init.maxFileBytes
      return
    }
    // Reads start at once (they wait on the disk, not on this thread); the CPU-bound rest runs one
    // file at a time, so the stage timings stay each file's own.
    const reading = readArchiveEntry(msg.dir, msg.file, limit)
    reading.catch(() => undefined) // handled in processFile, in its turn
    queue = queue.then(async () => {
      try {
        if (!spill) throw new Error('transform worker: no spill file (init message missing)')
        const result = await processFile(msg.dir, msg.file, known, spill, limit, reading)
        parentPort!.postMessage({ id: msg.id, result })
      } catch (err) {
        parentPort!.postMessage({ id: msg.id, error: (err as Error)?.message ?? String(err) })
      }
    })
  },
)
parentPort?.postMessage({ ready: true })
