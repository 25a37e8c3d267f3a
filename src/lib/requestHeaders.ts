import type { Request as ExpressRequest } from 'express'

/** An Express request's headers as WHATWG `Headers` (what `payload.auth` and Payload's handlers take). */
export const headersOf = (req: ExpressRequest): Headers => {
  const headers = new Headers()
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(key, v))
    else if (value != null) headers.set(key, value)
  }
  return headers
}

/**
 * The client's address as Express resolved it (`trust proxy`), for Payload hooks that throttle by
 * address (collections/Users/loginThrottle.ts). Set by the bridge on every request; a client's own value is
 * dropped.
 */
export const CLIENT_ADDRESS_HEADER = 'x-newsroom-client-address'
