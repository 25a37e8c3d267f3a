import type { RequestHandler } from 'express'
import type { Payload } from 'payload'

import { hasCredentials, isStaffRequest } from './auth'

export type RateLimitOptions = {
  /**
   * Requests a minute one client address may make without signing in; 0 turns the limit off.
   * @default Number(process.env.RATE_LIMIT_PER_MINUTE ?? 600)
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
   * @default process.env.RATE_LIMIT_EXEMPT_LOOPBACK !== 'false'
   */
  exemptLoopback?: boolean
}

const isLoopback = (ip: string): boolean => ip === '::1' || /^(?:::ffff:)?127\./.test(ip)

/** `RATE_LIMIT_PER_MINUTE`, checked: a typo must not silently turn the limit off. */
export const rateLimitFromEnv = (value = process.env.RATE_LIMIT_PER_MINUTE): number => {
  if (value === undefined || value.trim() === '') return 600
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `RATE_LIMIT_PER_MINUTE="${value}" is not a whole number >= 0 (0 turns the limit off).`,
    )
  }
  return n
}

/**
 * A fixed-window limit per client address for anonymous traffic: past the limit a 429 with
 * `Retry-After` (seconds to the next window). Signed-in staff are never limited; a request with
 * credentials that do not check out counts as anonymous. The client address is `req.ip`, so behind
 * a proxy set TRUST_PROXY (see src/http/trustProxy.ts).
 */
export const anonymousRateLimit = (
  payload: Payload,
  options: RateLimitOptions = {},
): RequestHandler => {
  const limit = options.perMinute ?? rateLimitFromEnv()
  const windowMs = options.windowMs ?? 60_000
  const now = options.now ?? Date.now
  const exemptLoopback =
    options.exemptLoopback ?? process.env.RATE_LIMIT_EXEMPT_LOOPBACK !== 'false'
  if (limit <= 0) return (_req, _res, next) => next()

  let windowStart = now()
  let counts = new Map<string, number>()

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
    if (t - windowStart >= windowMs) {
      windowStart = t - ((t - windowStart) % windowMs)
      counts = new Map()
    }
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown'
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000))
    res.setHeader('RateLimit-Limit', String(limit))
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)))
    res.setHeader('RateLimit-Reset', String(resetSeconds))
    if (count <= limit) {
      next()
      return
    }
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
  }
}
