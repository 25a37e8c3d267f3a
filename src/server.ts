// Before the other modules load (seconds): the SIGTERM handling of `tsx src/server.ts`.
import './http/shutdownFirst'
import './preload'

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import express, { type Express } from 'express'
import { getPayload, handleEndpoints, type Payload } from 'payload'

import { resolveDatabase } from './db'
import { mountDelivery } from './delivery'
import { withoutSuggestions } from './delivery/graphqlSuggestions'
import { limitRequestBodies } from './http/bodyLimit'
import { sameOriginWrites } from './http/csrf'
import { healthReport, reportFor } from './http/health'
import { guardProcess, installShutdown, type ProcessShutdown } from './lib/processGuards'
import { securityHeaders } from './http/securityHeaders'
import { refuseUnreadableQueries } from './http/queryGuard'
import { readiness } from './http/readiness'
import type { StartingServer } from './http/startingUp'
import { missingUploadsAsNotFound } from './http/uploadFiles'
import { trustProxyFromEnv } from './http/trustProxy'
import { closeIngestWorkers } from './ingest/workers'
import { startJobRunner } from './jobs/runner'
import { previewRouter } from './http/preview'
import { sendWebResponse, toWebRequest } from './http/webBridge'
import { settings } from './config'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Payload answers a route it does not have (`/api/payload-migrations/x`, `/versions` of a collection
 * without versions) with 501 "Not Implemented". To a client that is "nothing here": a 404, never a
 * server error.
 */
const unknownRouteAsNotFound = (response: Response): Response =>
  response.status === 501
    ? Response.json({ errors: [{ message: 'Not Found' }] }, { status: 404 })
    : response

export type ServerOptions = {
  /** @default settings().host (HOST), '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default settings().port (PORT), 3000 */
  port?: number
  /**
   * Serve the Next.js admin at /admin (needs `npm run build` first). Tests of the API alone turn it
   * off to skip loading Next.
   * @default true, unless SERVE_ADMIN=false
   */
  admin?: boolean
  /** Run the jobs crons (scheduled publishing, imports) in this process. @default true */
  jobs?: boolean
  /**
   * The delivery layer (src/delivery): feeds, HTTP caching, the anonymous rate limit, SQLite
   * statistics at start. Off only to measure plain Payload (bench/delivery.ts).
   * @default true
   */
  delivery?: boolean
  /**
   * Whether `/readyz` reports ready as soon as the server listens. `npm start` (scripts/start.ts)
   * passes false and calls `markReady()` once the first admin and the examples exist.
   * @default true
   */
  ready?: boolean
  /**
   * Aborted when the process is asked to stop while the server starts: start-up gives up at its
   * next step (throwing the signal's reason) and closes what it opened.
   */
  signal?: AbortSignal
  /**
   * A server already listening and answering 503 while start-up runs (src/http/startingUp.ts, from
   * `npm start`): the app is served on it, on the same port, instead of on a new one.
   */
  listening?: StartingServer
}

export type RunningServer = {
  url: string
  port: number
  payload: Payload
  app: Express
  /** `/readyz` answers 200 from now on (see `ServerOptions.ready`). */
  markReady: () => void
  /** Stops accepting, lets in-flight requests finish, stops the crons and closes the database. */
  close: () => Promise<void>
}

/** How long in-flight requests get to finish on shutdown before their connections are cut. */
const drainMs = (): number => settings().shutdownDrainMs

/**
 * How long an idle keep-alive connection stays open. Node's 5 s is shorter than what clients and
 * load balancers assume (undici reuses a socket up to ~4 s after the server's hint, a busy client
 * later; an AWS load balancer keeps one 60 s): a request sent as the server closes the socket is
 * reset (ECONNRESET), and a POST is not retried. The server waits longer than its clients instead.
 * @default 65000 (env HTTP_KEEP_ALIVE_MS)
 */
const keepAliveMs = (): number => settings().httpKeepAliveMs

/** What start-up has opened so far, to close in reverse when it gives up or the server stops. */
type Opened = {
  payload: Payload
  jobRunner?: Awaited<ReturnType<typeof startJobRunner>>
  closeNext?: () => Promise<void>
}

/** Closes what start-up opened: Next, the jobs runner, Payload (its crons and database). */
const closeOpened = async ({ payload, jobRunner, closeNext }: Opened) => {
  await closeNext?.()
  await jobRunner?.stop()
  // The ingest job's item workers, kept between its runs.
  await closeIngestWorkers()
  // Stops the crons and closes the database connection.
  await payload.destroy()
  // A later startServer() in the same process (tests) must boot a fresh instance.
  ;(globalThis as { _payload?: Map<string, unknown> })._payload?.delete('default')
}

/**
 * The app's Payload, and the jobs crons of this process. Payload caches the instance under the
 * default key; the Next admin's own getPayload() calls then reuse this one instead of booting a
 * second Payload with its own crons.
 */
const bootPayload = async (options: ServerOptions) => {
  const { default: config } = await import('../payload.config')
  const runsJobs = options.jobs ?? true
  if (options.signal?.aborted) throw options.signal.reason
  const payload = await getPayload({ config, cron: runsJobs })
  // Scheduled publishing and imports: every server may run the jobs crons, each job runs once
  // (src/jobs/runner.ts). None is started once a stop was asked.
  const jobRunner = runsJobs && !options.signal?.aborted ? await startJobRunner(payload) : undefined
  const opened: Opened = { payload, jobRunner }
  /** Gives up between start-up steps once `options.signal` is aborted, closing what was opened. */
  const giveUpIfStopping = async () => {
    if (!options.signal?.aborted) return
    await closeOpened(opened)
    throw options.signal.reason
  }
  return { config, payload, opened, giveUpIfStopping }
}

/**
 * What every request goes through before Payload: timing, proxies, security headers, the count of
 * requests in flight (for the drain), the health checks, CSRF, body limits on the API.
 */
const frontOfHouse = async (payload: Payload, options: ServerOptions) => {
  const app = express()
  app.disable('x-powered-by')
  app.use((await import('./http/serverTiming')).serverTiming(payload))
  // A hop count or the proxies' addresses, never "every hop" (src/http/trustProxy.ts).
  app.set('trust proxy', trustProxyFromEnv())
  app.use(securityHeaders(payload))

  const inFlight = new Set<express.Response>()
  app.use((req, res, next) => {
    inFlight.add(res)
    res.on('close', () => inFlight.delete(res))
    next()
  })

  app.get('/healthz', async (req, res) => {
    const report = await healthReport(payload)
    res
      .status(report.ok ? 200 : 503)
      .set('cache-control', 'no-store')
      .json(await reportFor(payload, req, report))
  })
  const ready = readiness(payload, options.ready ?? true)
  app.get('/readyz', ready.handler)

  app.use(
    sameOriginWrites({
      serverUrl: payload.config.serverURL,
      cookiePrefix: payload.config.cookiePrefix,
      log: (msg) => payload.logger.warn(msg),
    }),
  )
  app.use(
    payload.config.routes.api,
    limitRequestBodies(),
    refuseUnreadableQueries,
    missingUploadsAsNotFound(payload),
  )
  return { app, inFlight, ready }
}

/**
 * Payload's REST, GraphQL and playground handlers as functions of a request, giving WHATWG
 * responses. `origin()` is the server's own origin (known once it listens).
 */
const payloadHandlers = async (
  config: (typeof import('../payload.config'))['default'],
  payload: Payload,
  origin: () => string,
) => {
  const { GRAPHQL_POST, GRAPHQL_PLAYGROUND_GET } = await import('@payloadcms/next/routes')
  const graphql = GRAPHQL_POST(config)
  const playground = GRAPHQL_PLAYGROUND_GET(config)
  // Without introspection, GraphQL's "Did you mean ...?" would still spell out the schema.
  const hideSuggestions =
    settings().production && Boolean(payload.config.graphQL?.disableIntrospectionInProduction)
  return {
    /** The response to a POST of `${api}/graphql`. */
    graphQL: async (req: express.Request) => {
      const response = await graphql(toWebRequest(req, origin()))
      return hideSuggestions ? await withoutSuggestions(response) : response
    },
    /** The response to any other request under `${api}`. */
    rest: async (req: express.Request) =>
      unknownRouteAsNotFound(
        await handleEndpoints({ config, request: toWebRequest(req, origin()) }),
      ),
    playground: (req: express.Request) => playground(toWebRequest(req, origin())),
  }
}

type PayloadHandlers = Awaited<ReturnType<typeof payloadHandlers>>

/** Mounts Payload's handlers: GraphQL, its playground, then REST for everything under `api`. */
const mountPayload = (app: Express, api: string, handlers: PayloadHandlers) => {
  const send =
    (handler: (req: express.Request) => Promise<Response>): express.RequestHandler =>
    async (req, res, next) => {
      try {
        await sendWebResponse(res, await handler(req))
      } catch (err) {
        next(err)
      }
    }
  app.post(`${api}/graphql`, send(handlers.graphQL))
  app.get(`${api}/graphql-playground`, send(handlers.playground))
  app.use(api, send(handlers.rest))
}

/** The Next.js admin for every request nothing else answered, or a 404 when it is not served. */
const mountAdmin = async (
  app: Express,
  options: ServerOptions,
  opened: Opened,
  giveUpIfStopping: () => Promise<void>,
) => {
  if (!(options.admin ?? settings().serveAdmin)) {
    app.use((_req, res) => {
      res
        .status(404)
        .json({ errors: [{ message: 'Not found (the admin is not served by this instance)' }] })
    })
    return
  }
  const { default: next } = await import('next')
  const nextApp = next({ dev: false, dir: root, quiet: true })
  opened.closeNext = () => nextApp.close()
  await nextApp.prepare()
  await giveUpIfStopping()
  const handle = nextApp.getRequestHandler()
  app.use((req, res) => handle(req, res))
}

/** How long start-up waits for the admin's first render before it goes on without it. */
const WARM_ADMIN_MS = 15_000

/**
 * Renders the admin's sign-in page once, from the server itself, before the server reports ready:
 * Next.js loads the admin's route modules on their first request, which was the first editor's
 * (about a second of a dashboard's first load after a restart, measured by `npm run bench:desk`).
 * The sign-in page is the same route as every admin view. A failure is logged, never fatal.
 */
const warmAdmin = async (payload: Payload, origin: string): Promise<void> => {
  const started = performance.now()
  try {
    const res = await fetch(`${origin}${payload.config.routes.admin}/login`, {
      signal: AbortSignal.timeout(WARM_ADMIN_MS),
    })
    await res.arrayBuffer()
    payload.logger.info(
      `Admin rendered once in ${Math.round(performance.now() - started)} ms (HTTP ${res.status})`,
    )
  } catch (err) {
    payload.logger.warn({
      err,
      msg: 'The admin could not be rendered at start-up; it will be on its first request.',
    })
  }
}

/** The last handler: refusals keep their status and public message, anything else is a 500. */
const errorHandler =
  (payload: Payload): express.ErrorRequestHandler =>
  (err, _req, res, _next) => {
    // A body refused as too large (src/http/bodyLimit.ts) was answered already; the handler reading
    // it failed as it should.
    if (res.locals.bodyRefused) return void res.end()
    // A refusal (4xx with a public message, e.g. a reader's cap met in a Local API read) keeps its
    // status and message; it is logged as one line (src/delivery/logging.ts).
    const status = (err as { status?: unknown }).status
    const refusal = typeof status === 'number' && status >= 400 && status < 500
    if (refusal) payload.logger.info(`Refused: ${(err as Error).message} (${status})`)
    else payload.logger.error({ err, msg: 'Unhandled error while serving a request' })
    if (res.headersSent) res.end()
    else if (refusal && (err as { isPublic?: unknown }).isPublic) {
      res.status(status).json({ errors: [{ message: (err as Error).message }] })
    } else
      res.status(refusal ? status : 500).json({ errors: [{ message: 'Internal server error' }] })
  }

/**
 * Listens on `host:port` with keep-alive longer than the clients', or takes over the server that
 * already listens and answers 503 while start-up runs (`starting`); resolves with the port.
 */
const listen = async (app: Express, host: string, port: number, starting?: StartingServer) => {
  const server: Server = starting?.server ?? createServer(app)
  server.keepAliveTimeout = keepAliveMs()
  // Above the keep-alive timeout, as Node advises: a request's headers may come just before it ends.
  server.headersTimeout = keepAliveMs() + 1000
  if (starting) starting.handOver(app)
  else
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
  return { server, port: (server.address() as AddressInfo).port }
}

/**
 * Stops accepting, lets in-flight requests finish (cut after SHUTDOWN_DRAIN_MS), then closes what
 * start-up opened. Once: later calls get the same promise.
 */
const closer = (server: Server, inFlight: Set<express.Response>, opened: Opened) => {
  let closing: Promise<void> | undefined
  return () =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const drained = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) =>
          setTimeout(() => resolve(inFlight.size === 0), drainMs()).unref(),
        ),
      ])
      if (!drained) {
        opened.payload.logger.warn(
          `Shutdown: cutting ${inFlight.size} request(s) still running after ${drainMs()} ms`,
        )
        server.closeAllConnections()
        await closed
      }
      await closeOpened(opened)
    })())
}

/**
 * The newsroom's one long-running process: Payload (REST at /api, GraphQL at /api/graphql) served
 * directly by Express from the live config, the Next.js admin at /admin, health checks, and the jobs
 * crons (so scheduled publishing happens with no traffic at all).
 */
export const startServer = async (options: ServerOptions = {}): Promise<RunningServer> => {
  // Every environment variable, checked at once: a bad value stops the start with its fix.
  const env = settings()
  const host = options.host ?? env.host
  const port = options.port ?? env.port
  const { config, payload, opened, giveUpIfStopping } = await bootPayload(options)
  await giveUpIfStopping()

  const { app, inFlight, ready } = await frontOfHouse(payload, options)
  let origin = `http://${host}:${port}`
  const api = payload.config.routes.api
  const handlers = await payloadHandlers(config, payload, () => origin)
  if (options.delivery ?? true)
    await mountDelivery(app, payload, {
      optimize: !resolveDatabase().inMemory,
      // The cache renders anonymous reads through the same handlers into a buffer, then sends them.
      render: async (req) =>
        req.method === 'POST' && req.baseUrl + req.path === `${api}/graphql`
          ? handlers.graphQL(req)
          : handlers.rest(req),
    })
  await giveUpIfStopping()
  mountPayload(app, api, handlers)
  app.use(previewRouter(payload))
  await mountAdmin(app, options, opened, giveUpIfStopping)
  app.use(errorHandler(payload))

  await giveUpIfStopping()
  const listening = await listen(app, host, port, options.listening)
  origin = `http://${host}:${listening.port}`
  if (options.admin ?? env.serveAdmin) await warmAdmin(payload, origin)
  // Jobs that fell due while no server was running go now, not at the next tick. Errors are logged by
  // the runner.
  void opened.jobRunner?.runNow()
  const close = closer(listening.server, inFlight, opened)
  return { url: origin, port: listening.port, payload, app, close, markReady: ready.markReady }
}

const main = async () => {
  // First of all: a SIGTERM at any moment of start-up stops it cleanly (exit 0).
  const shutdown = installShutdown({ forceAfterMs: drainMs() + 15_000 })
  const database = resolveDatabase()
  let running: RunningServer
  try {
    running = await startServer({ signal: shutdown.signal })
  } catch (err) {
    return shutdown.abandon(
      err,
      (message) => `newsroom: could not start (database ${database.display}): ${message}`,
    )
  }
  stopOnSignals(running, shutdown)
  running.payload.logger.info(
    `Newsroom CMS ready on ${running.url} (admin ${running.url}/admin, database ${database.display})`,
  )
}

/**
 * Hands the running server to the process's shutdown (`installShutdown`, src/lib/processGuards.ts):
 * SIGTERM and SIGINT drain in-flight requests and exit 0; an unhandled rejection is logged and
 * serving goes on; an uncaught exception drains and exits 1 (processGuards.ts says why).
 */
export const stopOnSignals = (running: RunningServer, shutdown: ProcessShutdown): void => {
  const { logger } = running.payload
  shutdown.attach(running.close, {
    info: (msg) => logger.info(msg),
    error: (obj) => logger.error(obj),
  })
  guardProcess(running.payload, shutdown.stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main()
}
