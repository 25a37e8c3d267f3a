// One server process of a multi-server test: the real server (src/server.ts) with the test tasks
// added, announcing its address on stdout. Started by test/multi-server/children.ts.
import '../../src/preload'

import { startServer } from '../../src/server'
import { addTestTasks } from './tasks'

const { default: config } = await import('../../payload.config')
addTestTasks(await config)
// CHILD_HOST: the address to listen on (a network namespace's own, in the multi-host test).
const server = await startServer({
  host: process.env.CHILD_HOST ?? '127.0.0.1',
  port: 0,
  admin: false,
})
process.stdout.write(`@@child ${JSON.stringify({ ready: server.url, pid: process.pid })}\n`)
// Close once, however many signals come.
let closing = false
process.on('SIGTERM', () => {
  if (closing) return
  closing = true
  void server.close().then(() => process.exit(0))
})
