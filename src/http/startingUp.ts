import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type StartingServer = {
  /** The listening server; `startServer({ listening })` serves the app on it (same port). */
  server: Server
  url: string
  /** What start-up is doing, told to every client until the app takes over. */
  setStage: (stage: string) => void
  /** Serves `app` on the same socket from now on. */
  handOver: (app: RequestListener) => void
  close: () => Promise<void>
}

/**
 * `npm start` listens before its slow start-up work (building the admin takes minutes the first
 * time, then migrating and seeding), so a client meets the documented `503` from `/readyz` rather
 * than "connection refused". Until the app takes over, every request is answered 503 with
 * `Retry-After` and what start-up is doing; `/healthz` too, since nothing (the database included)
 * has been checked yet.
 */
export const listenWhileStarting = async ({
  host,
  port,
}: {
  host: string
  port: number
}): Promise<StartingServer> => {
  let stage = 'starting'
  const answer: RequestListener = (req, res) => {
    res.statusCode = 503
    res.setHeader('retry-after', '5')
    res.setHeader('cache-control', 'no-store')
    res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end(JSON.stringify({ ok: false, ready: false, reason: `start-up: ${stage}` }))
  }
  const server = createServer(answer)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    server,
    url: `http://${host}:${address.port}`,
    setStage: (next) => {
      stage = next
    },
    handOver: (app) => {
      server.removeListener('request', answer)
      server.on('request', app)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
