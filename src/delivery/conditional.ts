import { createHash } from 'node:crypto'

/** A weak validator from the bytes of the body: equal bodies, equal ETags, across processes. */
export const weakEtag = (body: Buffer): string =>
  `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`

const opaque = (tag: string) => tag.trim().replace(/^W\//, '')

/**
 * Whether the client's copy is current (answer 304): `If-None-Match` by weak comparison, else
 * `If-Modified-Since` against the response's `Last-Modified`. Unlike Express's `req.fresh`, a
 * request's `Cache-Control: no-cache` does not prevent a 304: that directive asks caches to
 * revalidate with the origin, which is what this is, and WHATWG fetch adds it to every request with
 * a conditional header.
 */
export const isNotModified = (
  request: { ifNoneMatch?: string; ifModifiedSince?: string },
  response: { etag: string; lastModified?: string },
): boolean => {
  if (request.ifNoneMatch) {
    const ours = opaque(response.etag)
    return request.ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === ours)
  }
  const since = Date.parse(request.ifModifiedSince ?? '')
  const modified = Date.parse(response.lastModified ?? '')
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since
}
