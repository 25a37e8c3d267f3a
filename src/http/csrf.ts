import type { RequestHandler } from 'express'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const originOf = (value: string | undefined): URL | undefined => {
  if (!value || value === 'null') return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

export type SameOriginOptions = {
  /** The public origin (`SERVER_URL`); empty: the request's own `Host`. */
  serverUrl?: string
  /** The auth cookie's prefix (`payload.config.cookiePrefix`). @default 'payload' */
  cookiePrefix?: string
  /** Logs one line per refusal. */
  log?: (msg: string) => void
}

/**
 * Refuses a state-changing request (POST, PUT, PATCH, DELETE; JSON or multipart alike) that carries
 * the admin's session cookie and comes from another origin, with 403. The origin is the request's
 * `Origin` header, else its `Referer`; a cookie-carrying write with neither is refused too (browsers
 * send `Origin` on every such request, so only a forged one lacks both). SameSite cookies alone do not
 * cover older browsers, sibling subdomains or a `SameSite=None` setting.
 *
 * The public origin is `SERVER_URL` when set. Without it, the request's own `Host`: a page on another
 * site cannot make a browser send our cookie with its own host name (a rebound DNS name gets that
 * name's cookies, not ours), so the check stays sound without configuration; behind a proxy that
 * rewrites `Host`, set `SERVER_URL`.
 *
 * Requests without the cookie (Bearer tokens, API keys, anonymous reads) are not affected: a browser
 * never adds those on its own, which is what CSRF relies on.
 */
export const sameOriginWrites = (options: SameOriginOptions = {}): RequestHandler => {
  const cookieName = `${options.cookiePrefix ?? 'payload'}-token=`
  const configured = options.serverUrl ? new URL(options.serverUrl) : undefined
  return (req, res, next) => {
    if (!UNSAFE.has(req.method)) return next()
    const cookie = req.headers.cookie
    if (!cookie || !cookie.split(';').some((c) => c.trim().startsWith(cookieName))) return next()
    const from = originOf(req.headers.origin) ?? originOf(req.headers.referer)
    const ok = from
      ? configured
        ? from.origin === configured.origin
        : from.host === req.headers.host
      : false
    if (ok) return next()
    options.log?.(
      `Refused a signed-in ${req.method} ${req.path} from origin ${from?.origin ?? '(none)'}: not this server's origin`,
    )
    res
      .status(403)
      .set('Cache-Control', 'no-store')
      .json({
        errors: [
          {
            message: `A signed-in ${req.method} must come from this server's own pages (origin ${configured?.origin ?? 'of this host'}); set SERVER_URL to the public origin if the admin is served elsewhere.`,
          },
        ],
      })
  }
}
