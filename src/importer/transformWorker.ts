// A worker of the transform pool (see pool.ts): read + parse + transform one file, pure, no Payload.
import { parentPort } from 'node:worker_threads'

import { parseFile } from './parse'
import { readArchiveEntry } from './read'
import { transform } from './transform'

parentPort?.on('message', async (msg: { id: number; dir: string; file: string }) => {
  try {
    const { raw, warnings } = await readArchiveEntry(msg.dir, msg.file)
    const result = transform(parseFile(raw, msg.file, warnings), raw)
    parentPort!.postMessage({ id: msg.id, result })
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error)?.message ?? String(err) })
  }
})
parentPort?.postMessage({ ready: true })
