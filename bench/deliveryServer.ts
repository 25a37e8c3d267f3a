// The server process bench/delivery.ts measures: the real startServer on 127.0.0.1 (admin and crons
// off) on the database DATABASE_URI names. NEWSROOM_DELIVERY=off runs plain Payload: no delivery
// plugin, no delivery middleware, no ANALYZE. Prints `LISTENING <url>` once it serves.
import '../src/preload'

const { startServer } = await import('../src/server')
const running = await startServer({
  host: '127.0.0.1',
  port: 0,
  admin: false,
  jobs: false,
  delivery: process.env.NEWSROOM_DELIVERY !== 'off',
})
process.stdout.write(`LISTENING ${running.url}\n`)
const stop = () => {
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
