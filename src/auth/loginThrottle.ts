import type {
  CollectionAfterLoginHook,
  CollectionBeforeOperationHook,
  PayloadRequest,
} from 'payload'

import { CLIENT_ADDRESS_HEADER } from '../http/webBridge'
import { RequestRefused } from '../lib/refusal'

export type LoginThrottleOptions = {
  /** Failed sign-ins one address may make per window before it gets 429s. @default 20 */
  perAddress?: number
  /** Failed sign-ins to one account per window before it is slowed down. @default 5 */
  perAccount?: number
  /** Once slowed down, an account takes one attempt per this many ms. @default 30_000 */
  accountIntervalMs?: number
  /** @default 15 * 60_000 */
  windowMs?: number
  /** The most addresses and accounts remembered (the oldest are forgotten first). @default 10_000 */
  maxEntries?: number
  /** The clock, for tests. @default Date.now */
  now?: () => number
}

type Entry = { failures: number; windowStart: number; nextAllowedAt: number }

/**
 * Throttles sign-in attempts instead of locking accounts (Payload's `maxLoginAttempts` lets anyone
 * lock anyone out with a few wrong passwords, and its "locked" message tells them the account exists).
 *
 * - By address: past `perAddress` failures in a window, that address gets 429 with `Retry-After` until
 *   the window ends. It stops one client guessing, whichever accounts it tries.
 * - By account: past `perAccount` failures in a window, the account takes one attempt every
 *   `accountIntervalMs`, from anywhere. Guessing from many addresses is slowed to a crawl, while the
 *   owner waits at most that interval, never a lock-out.
 *
 * Every attempt counts as a failure until it succeeds (`afterLogin` takes it back and clears the
 * account), and counting does not depend on whether the account exists, so a 429 says nothing about
 * existence; every failed sign-in gets Payload's one message ("The email or password provided is
 * incorrect."). Counts live in this process: each instance of a scaled-out server counts alone.
 */
export const loginThrottle = (options: LoginThrottleOptions = {}) => {
  const perAddress = options.perAddress ?? 20
  const perAccount = options.perAccount ?? 5
  const intervalMs = options.accountIntervalMs ?? 30_000
  const windowMs = options.windowMs ?? 15 * 60_000
  const maxEntries = options.maxEntries ?? 10_000
  const now = options.now ?? Date.now
  const entries = new Map<string, Entry>()

  const entryOf = (key: string, t: number): Entry => {
    let entry = entries.get(key)
    if (!entry || t - entry.windowStart >= windowMs) {
      entry = { failures: 0, windowStart: t, nextAllowedAt: 0 }
      entries.delete(key)
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, entry)
    }
    return entry
  }

  const keysOf = (req: PayloadRequest, email: unknown) => ({
    address: req.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined,
    account: typeof email === 'string' ? email.trim().toLowerCase() : undefined,
  })

  const refuse = (req: PayloadRequest, seconds: number): never => {
    req.responseHeaders = new Headers({ 'Retry-After': String(seconds) })
    throw new RequestRefused(`Too many sign-in attempts. Try again in ${seconds} s.`, 429)
  }

  const beforeLogin: CollectionBeforeOperationHook<'users'> = ({ args, operation, req }) => {
    if (operation !== 'login') return args
    const { address, account } = keysOf(req, (args as { data?: { email?: unknown } }).data?.email)
    const t = now()
    const byAddress = address ? entryOf(`address:${address}`, t) : undefined
    if (byAddress && byAddress.failures >= perAddress) {
      refuse(req, Math.max(1, Math.ceil((byAddress.windowStart + windowMs - t) / 1000)))
    }
    const byAccount = account ? entryOf(`account:${account}`, t) : undefined
    if (byAccount && byAccount.failures >= perAccount) {
      if (t < byAccount.nextAllowedAt) {
        refuse(req, Math.max(1, Math.ceil((byAccount.nextAllowedAt - t) / 1000)))
      }
      byAccount.nextAllowedAt = t + intervalMs
    }
    if (byAddress) byAddress.failures++
    if (byAccount) byAccount.failures++
    return args
  }

  const afterLogin: CollectionAfterLoginHook = ({ req, user }) => {
    const { address, account } = keysOf(req, (user as { email?: unknown }).email)
    const byAddress = address ? entries.get(`address:${address}`) : undefined
    if (byAddress) byAddress.failures = Math.max(0, byAddress.failures - 1)
    if (account) entries.delete(`account:${account}`)
    return user
  }

  return { beforeLogin, afterLogin }
}
