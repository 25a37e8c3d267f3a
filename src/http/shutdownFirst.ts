import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { installShutdown } from '../lib/processGuards'
import { settings } from '../config'

/**
 * Imported by src/server.ts before its other modules: when this process runs the server
 * (`tsx src/server.ts`), the SIGTERM handling is in place while Payload, Express and Next still
 * load (seconds), not only once `main` starts. A test or script that imports the server is left alone.
 */
const entry = process.argv[1] ? path.resolve(process.argv[1]) : ''
if (entry === fileURLToPath(new URL('../server.ts', import.meta.url))) {
  installShutdown({ forceAfterMs: settings().shutdownDrainMs + 15_000 })
  // From here on a SIGTERM stops start-up cleanly (what test/http/startup.test.ts waits for).
  process.stdout.write(`newsroom: starting (pid ${process.pid})\n`)
}
