import { afterAll } from '@jest/globals'

import { closeIngestWorkers } from '../../src/ingest/workers'

// Live ingest keeps its item workers between runs for minutes (src/ingest/workers.ts); a test file
// that ran ingest closes them when it ends, so the next file run by this jest worker does not
// inherit idle threads.
afterAll(async () => {
  await closeIngestWorkers()
})
