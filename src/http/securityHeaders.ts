import type { RequestHandler } from 'express'
import type { Payload } from 'payload'
import { parseSetting, settings } from '../config'

/**
 * The admin's Content-Security-Policy. Scripts and styles come from this origin only; no plugin
 * content, no `<base>` elsewhere, forms post here, and only this origin may frame it.
 *
 * `'unsafe-inline'` for scripts: Next.js writes its bootstrap and the React Server Components
 * payload as inline `<script>`s, and a nonce would need Next's middleware and every admin page
 * rendered dynamically to carry it; the policy still refuses scripts from any other origin and
 * `eval`. Images and media may come from other https hosts (media with an external URL, embeds'
 * thumbnails); frames from https hosts (embed previews) and this origin (live preview).
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-src 'self' https:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ')

/**
 * What an uploaded file may do when opened directly: nothing. An SVG or HTML upload served from this
 * origin would otherwise run its scripts with the staff's session.
 */
export const UPLOAD_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

/** `HSTS_MAX_AGE` in seconds, checked; 0 (the default) sends no `Strict-Transport-Security`. */
export const hstsMaxAgeFromEnv = (value?: string): number =>
  value === undefined ? settings().hstsMaxAge : parseSetting('hstsMaxAge', value)

export type SecurityHeaderOptions = {
  /** @default hstsMaxAgeFromEnv() */
  hstsMaxAge?: number
}

/**
 * Headers every response carries: `X-Content-Type-Options: nosniff` (an uploaded file is never read
 * as another type than it is served as), `X-Frame-Options: SAMEORIGIN` (the admin's live preview
 * frames this origin; nobody else may), a referrer policy, HSTS when `HSTS_MAX_AGE` is set (only
 * behind https: browsers ignore it on http), the admin's CSP on admin pages and a sandbox on uploaded
 * files. `X-Powered-By` is off in Express (src/server.ts) and Next.js (next.config.mjs).
 */
export const securityHeaders = (
  payload: Payload,
  options: SecurityHeaderOptions = {},
): RequestHandler => {
  const hstsMaxAge = options.hstsMaxAge ?? hstsMaxAgeFromEnv()
  const admin = payload.config.routes.admin
  const api = payload.config.routes.api
  const uploadPaths = payload.config.collections
    .filter((collection) => collection.upload)
    .map((collection) => `${api}/${collection.slug}/file/`)
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('X-Frame-Options', 'SAMEORIGIN')
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
    if (hstsMaxAge > 0)
      res.setHeader('Strict-Transport-Security', `max-age=${hstsMaxAge}; includeSubDomains`)
    if (req.path === admin || req.path.startsWith(`${admin}/`))
      res.setHeader('Content-Security-Policy', ADMIN_CSP)
    else if (uploadPaths.some((prefix) => req.path.startsWith(prefix)))
      res.setHeader('Content-Security-Policy', UPLOAD_CSP)
    next()
  }
}
