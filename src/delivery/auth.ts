import type { Request } from 'express'
import { executeAuthStrategies, type Payload } from 'payload'

import { isStaffUser } from '../access/roles'
import { headersOf } from '../lib/requestHeaders'

/**
 * Whether a request carries credentials (an `Authorization` header or Payload's auth cookie). Its
 * answer may depend on who is asking, so it must never be cached or served from a cache. Valid or
 * not does not matter here: erring towards "private" is safe.
 */
export const hasCredentials = (req: Request, cookiePrefix = 'payload'): boolean => {
  if (req.headers.authorization) return true
  const cookie = req.headers.cookie
  return Boolean(cookie && cookie.includes(`${cookiePrefix}-token=`))
}

/**
 * Whether the request is from a signed-in staff member, checked with Payload's own auth strategies
 * (a forged or expired token is anonymous). Costs a token check and one user lookup, so it is only
 * asked for requests that carry credentials.
 */
export const isStaffRequest = async (payload: Payload, req: Request): Promise<boolean> => {
  if (!hasCredentials(req, payload.config.cookiePrefix)) return false
  const { user } = await executeAuthStrategies({ headers: headersOf(req), payload })
  return isStaffUser(user)
}
