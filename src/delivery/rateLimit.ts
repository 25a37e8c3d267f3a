import type { RequestHandler, Response } from 'express'
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import { clientKey, onDestroy } from '../auth/counterStore'
import { hasCredentials, isStaffRequest } from './auth'
import { parseSetting, settings } from '../config'

export type RateLimitOptions = {
  /**
   * Requests a minute one client address may make without signing in; 0 turns the limit off.
   * @default settings().rateLimitPerMinute (RATE_LIMIT_PER_MINUTE), 600
   */
  perMinute?: number
  /** @default 60_000 */
  windowMs?: number
  /** The clock, for tests. @default Date.now */
  now?: () => number
  /**
   * Leave clients on this machine (127.0.0.0/8, ::1) unlimited: local tools and health probes are
   * not anonymous readers. Only a direct connection counts: a request with `X-Forwarded-For` came
   * through a proxy (or says it did) and is limited whatever address it names, so neither a
   * forwarded `127.0.0.1` nor a proxy on this machine opens the exemption. Behind a proxy set
   * TRUST_PROXY (src/http/trustProxy.ts) so the limit applies to the real client address.
   * @default settings().rateLimitExemptLoopback (RATE_LIMIT_EXEMPT_LOOPBACK), true
   */
  exemptLoopback?: boolean
  /**
   * How often (ms) this server merges its counts with the other servers' through the shared store
   * (`payload.kv`); 0 counts in this process only.
   * @default rateLimitSyncFromEnv() (RATE_LIMIT_SYNC_MS, 1000)
   */
  syncMs?: number
}

const isLoopback = (ip: string): boolean => ip === '::1' || /^(?:::ffff:)?127\./.test(ip)

/** `RATE_LIMIT_PER_MINUTE`, checked: a typo must not silently turn the limit off. */
export const rateLimitFromEnv = (value?: string): number =>
  value === undefined ? settings().rateLimitPerMinute : parseSetting('rateLimitPerMinute', value)

/** `RATE_LIMIT_SYNC_MS`, checked like the limit. */
export const rateLimitSyncFromEnv = (value?: string): number =>
  value === undefined ? settings().rateLimitSyncMs : parseSetting('rateLimitSyncMs', value)

/**
 * A fixed-window limit per client address for anonymous traffic: past the limit a 429 with
 * `Retry-After` (seconds to the next window). Signed-in staff are never limited; a request with
 * credentials that do not check out counts as anonymous. The client address is `req.ip` (an IPv6
 * address counts as its /64), so behind a proxy set TRUST_PROXY (see src/http/trustProxy.ts).
 *
 * Shared by every server without a write per request: each server counts in memory and, every
 * `syncMs`, writes its own counts of this window to the shared store (one key per server and window,
 * so no two servers write the same key) and reads the others'. A request is judged on its own
 * server's count plus the others' last reported ones. A reader request never waits on the store;
 * the store sees one write and a few reads a second per server (none when idle), on the database as
 * on Redis. Only clients past `1/16` of the limit on a server are reported, which keeps the written
 * map small: a client can exceed the limit by at most `1/16` of it per other server, plus what
 * arrived since the last merge.
 */
export const anonymousRateLimit = (
  payload: Payload,
  options: RateLimitOptions = {},
): RequestHandler => {
  const limit = options.perMinute ?? rateLimitFromEnv()
  const windowMs = options.windowMs ?? 60_000
  const now = options.now ?? Date.now
  const exemptLoopback = options.exemptLoopback ?? settings().rateLimitExemptLoopback
  if (limit <= 0) return (_req, _res, next) => next()

  const window = () => Math.floor(now() / windowMs)
  let counted = window()
  let counts = new Map<string, number>()
  /** The other servers' counts of `counted`, as last read from the store. */
  let others = new Map<string, number>()
  const rollOver = () => {
    const w = window()
    if (w !== counted) {
      counted = w
      counts = new Map()
      others = new Map()
    }
  }
  const syncMs = options.syncMs ?? rateLimitSyncFromEnv()
  if (syncMs > 0)
    startSharing(
      payload,
      syncMs,
      limit,
      () => ({ counted, counts }),
      (w, merged) => {
        if (w === counted) others = merged
      },
    )

  let warnedUntrustedProxy = false
  return async (req, res, next) => {
    const forwarded = req.headers['x-forwarded-for'] !== undefined
    if (exemptLoopback && !forwarded && isLoopback(req.socket.remoteAddress ?? '')) {
      next()
      return
    }
    if (forwarded && !req.app.get('trust proxy') && !warnedUntrustedProxy) {
      warnedUntrustedProxy = true
      payload.logger.warn(
        'Requests arrive with X-Forwarded-For but TRUST_PROXY is not set: the rate limit sees the proxy as one client. Set TRUST_PROXY to the number of proxies (e.g. 1) or their addresses.',
      )
    }
    try {
      if (
        hasCredentials(req, payload.config.cookiePrefix) &&
        (await isStaffRequest(payload, req))
      ) {
        next()
        return
      }
    } catch (err) {
      next(err)
      return
    }
    const t = now()
    rollOver()
    const key = clientKey(req.ip ?? req.socket.remoteAddress ?? 'unknown')
    const own = (counts.get(key) ?? 0) + 1
    counts.set(key, own)
    const count = own + (others.get(key) ?? 0)
    const resetSeconds = Math.max(1, Math.ceil(((counted + 1) * windowMs - t) / 1000))
    res.setHeader('RateLimit-Limit', String(limit))
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)))
    res.setHeader('RateLimit-Reset', String(resetSeconds))
    if (count <= limit) {
      next()
      return
    }
    tooManyRequests(res, limit, resetSeconds)
  }
}

/** The 429 of the limit, saying when to come back. */
const tooManyRequests = (res: Response, limit: number, resetSeconds: number) =>
  res
    .status(429)
    .set('Retry-After', String(resetSeconds))
    .set('Cache-Control', 'no-store')
    .json({
      errors: [
        {
          message: `Too many requests: at most ${limit} a minute from one address without signing in. Retry in ${resetSeconds} s.`,
        },
      ],
    })

const PREFIX = 'rate-limit:'

/**
 * Every `syncMs`: writes this server's counts of the current window (clients past 1/16 of the limit)
 * under a key of its own, reads the other servers' keys of that window and hands their sum to
 * `merged`, and drops this server's key of the window before. Keys of windows two or more back
 * (servers that stopped) are swept once per window. Stops when Payload is destroyed.
 */
const startSharing = (
  payload: Payload,
  syncMs: number,
  limit: number,
  state: () => { counted: number; counts: Map<string, number> },
  merged: (window: number, others: Map<string, number>) => void,
) => {
  const server = randomUUID()
  const reportAt = Math.max(1, Math.floor(limit / 16))
  let written = ''
  let writtenWindow: number | undefined
  let swept = -1
  let running: Promise<void> | undefined
  const sync = async () => {
    const { counted, counts } = state()
    const report: Record<string, number> = {}
    for (const [client, n] of counts) if (n >= reportAt) report[client] = n
    const text = JSON.stringify(report)
    const ownKey = `${PREFIX}${counted}:${server}`
    if (text !== written || writtenWindow !== counted) {
      if (writtenWindow !== undefined && writtenWindow !== counted)
        await payload.kv.delete(`${PREFIX}${writtenWindow}:${server}`)
      if (text !== '{}' || writtenWindow === counted) await payload.kv.set(ownKey, report)
      written = text
      writtenWindow = counted
    }
    const keys = await payload.kv.keys()
    const others = new Map<string, number>()
    for (const key of keys) {
      if (!key.startsWith(`${PREFIX}${counted}:`) || key === ownKey) continue
      const theirs = await payload.kv.get<Record<string, number>>(key)
      for (const [client, n] of Object.entries(theirs ?? {}))
        if (typeof n === 'number') others.set(client, (others.get(client) ?? 0) + n)
    }
    merged(counted, others)
    if (swept < counted) {
      swept = counted
      for (const key of keys) {
        const w = Number(key.slice(PREFIX.length, key.indexOf(':', PREFIX.length)))
        if (key.startsWith(PREFIX) && w < counted - 1) await payload.kv.delete(key)
      }
    }
  }
  const timer = setInterval(() => {
    // One merge at a time: a slow store skips beats instead of piling them up.
    if (running) return
    running = sync()
      .catch((err: unknown) =>
        payload.logger.error({
          err,
          msg: 'rate limit: merging counts with the other servers failed',
        }),
      )
      .finally(() => {
        running = undefined
      })
  }, syncMs)
  timer.unref()
  onDestroy(payload, async () => {
    clearInterval(timer)
    await running
  })
}
