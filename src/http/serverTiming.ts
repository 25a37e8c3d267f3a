import { AsyncLocalStorage } from 'node:async_hooks'
import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'

import type { NextFunction, Request, Response } from 'express'
import type { Payload } from 'payload'

/** The database time of one request, summed over its queries. */
type Timing = { dbMs: number; queries: number }

const current = new AsyncLocalStorage<Timing>()

/** A libsql client or transaction: what drizzle calls for every SQLite statement. */
type Executor = {
  execute?: (...args: unknown[]) => Promise<unknown>
  batch?: (...args: unknown[]) => Promise<unknown>
  transaction?: (...args: unknown[]) => Promise<Executor>
}

const timed =
  <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    const timing = current.getStore()
    if (!timing) return run(...args)
    const start = performance.now()
    try {
      return await run(...args)
    } finally {
      timing.dbMs += performance.now() - start
      timing.queries += 1
    }
  }

const instrument = (executor: Executor): Executor => {
  for (const name of ['execute', 'batch'] as const) {
    const run = executor[name]
    if (run) executor[name] = timed(run.bind(executor))
  }
  const transaction = executor.transaction
  if (transaction)
    executor.transaction = async (...args) => instrument(await transaction.apply(executor, args))
  return executor
}

const INSTRUMENTED = Symbol.for('newsroom.serverTiming')

/**
 * Times the database calls of each request, on SQLite (the libsql client drizzle calls for every
 * statement). Other adapters get the request's total time only; on Postgres, pg_stat_statements
 * says more.
 */
const instrumentDatabase = (payload: Payload): boolean => {
  const client = (payload.db as { client?: Executor & { [INSTRUMENTED]?: true } }).client
  if (!client || typeof client.execute !== 'function') return false
  if (!client[INSTRUMENTED]) {
    instrument(client)
    client[INSTRUMENTED] = true
  }
  return true
}

/** Calls `fill` right before the response's headers are written, whoever writes them. */
const beforeHeaders = (res: ServerResponse, fill: () => void) => {
  const writeHead = res.writeHead
  let filled = false
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!filled && !this.headersSent) {
      filled = true
      fill()
    }
    return writeHead.apply(this, args)
  } as typeof writeHead
}

/**
 * `Server-Timing` on every response (https://www.w3.org/TR/server-timing/), so a slow admin view or
 * API call explains itself in the browser's network panel:
 * - `db;dur=…;desc="N queries"`: time spent in the database (SQLite), summed over the request's
 *   queries up to the moment the headers are sent (for the admin's streamed pages, the data read
 *   before the first byte);
 * - `cache;desc=hit|stale|miss`: the delivery cache's answer (src/delivery/httpCache.ts), if any;
 * - `total;dur=…`: from the request's arrival to its headers.
 */
export const serverTiming = (payload: Payload) => {
  const measuresDb = instrumentDatabase(payload)
  return (req: Request, res: Response, next: NextFunction) => {
    const timing: Timing = { dbMs: 0, queries: 0 }
    const start = performance.now()
    beforeHeaders(res, () => {
      const metrics: string[] = []
      if (measuresDb)
        metrics.push(`db;dur=${timing.dbMs.toFixed(1)};desc="${timing.queries} queries"`)
      const cache = res.getHeader('x-delivery-cache')
      if (cache) metrics.push(`cache;desc=${String(cache)}`)
      metrics.push(`total;dur=${(performance.now() - start).toFixed(1)}`)
      const previous = res.getHeader('server-timing')
      res.setHeader('Server-Timing', [previous, metrics.join(', ')].filter(Boolean).join(', '))
    })
    current.run(timing, next)
  }
}
