import { createHash, pbkdf2, randomBytes } from 'node:crypto'

import type {
  CollectionAfterLoginHook,
  CollectionBeforeOperationHook,
  Payload,
  PayloadRequest,
} from 'payload'

import { CLIENT_ADDRESS_HEADER } from '../../src/lib/requestHeaders'
import { RequestRefused } from '../../src/lib/refusal'
import {
  clientKey,
  memoryCounterStore,
  serializedByKey,
  sharedCounterStore,
  type CounterStore,
} from '../../src/auth/counterStore'

export type LoginThrottleOptions = {
  /** Failed sign-ins one address (an IPv6 /64) may make per window before it gets 429s. @default 20 */
  perAddress?: number
  /** Failed sign-ins to one account per window before it is slowed down. @default 5 */
  perAccount?: number
  /** Once slowed down, an account takes one attempt per this many ms. @default 30_000 */
  accountIntervalMs?: number
  /** @default 15 * 60_000 */
  windowMs?: number
  /**
   * Where the counts live. `shared`: Payload's key-value store, which every server of one database
   * (or one Redis) sees; `memory`: this process only, addresses and accounts each in a store of
   * their own of at most `maxEntries` keys. @default 'shared'
   */
  store?: 'shared' | 'memory'
  /** With `store: 'memory'`: the most addresses, and separately the most accounts, remembered. @default 10_000 */
  maxEntries?: number
  /** The clock, for tests. @default Date.now */
  now?: () => number
  /**
   * Hashes a password as Payload does for a sign-in (PBKDF2-SHA256, 600,000 rounds), for accounts
   * that do not exist; for tests. @default hashLikePayload
   */
  hashPassword?: (password: string) => Promise<unknown>
}

type Entry = { failures: number; nextAllowedAt: number }

/**
 * The work Payload does to check a password (`pbkdf2-sha256-v1`, payload/auth/strategies/local):
 * a sign-in to an account that does not exist does the same, so its answer takes as long.
 */
export const hashLikePayload = (password: string): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    pbkdf2(password, randomBytes(32).toString('hex'), 600_000, 32, 'sha256', (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )

type Stores = { addresses: CounterStore; accounts: CounterStore; swept: number }

/** The options with their defaults, resolved once. */
type Settings = {
  perAddress: number
  perAccount: number
  intervalMs: number
  windowMs: number
  now: () => number
  hashPassword: (password: string) => Promise<unknown>
  stores: (payload: Payload) => Stores
  serialized: ReturnType<typeof serializedByKey>
}

/** The address and account stores of one Payload (one database), made on first use. */
const storesFor = (options: LoginThrottleOptions, perAccount: number) => {
  const maxEntries = options.maxEntries ?? 10_000
  const storesOf = new WeakMap<Payload, Stores>()
  const make = (payload: Payload): Stores =>
    options.store === 'memory'
      ? {
          addresses: memoryCounterStore(maxEntries),
          // An account being slowed down outlives accounts with a failure or two.
          accounts: memoryCounterStore(
            maxEntries,
            (entry) => (entry as Entry).failures >= perAccount,
          ),
          swept: 0,
        }
      : {
          addresses: sharedCounterStore(payload, 'login-throttle:address:'),
          accounts: sharedCounterStore(payload, 'login-throttle:account:'),
          swept: 0,
        }
  return (payload: Payload): Stores => {
    let found = storesOf.get(payload)
    if (!found) {
      found = make(payload)
      storesOf.set(payload, found)
    }
    return found
  }
}

/** Drops the counts of windows before the previous one, once per window per process. */
const sweep = (payload: Payload, s: Stores, window: number) => {
  if (s.swept >= window) return
  s.swept = window
  void Promise.all([s.addresses.sweep(window - 1), s.accounts.sweep(window - 1)]).catch((err) =>
    payload.logger.error({ err, msg: 'sign-in throttle: sweeping old counts failed' }),
  )
}

const keysOf = (req: PayloadRequest, email: unknown) => {
  const address = req.headers.get(CLIENT_ADDRESS_HEADER)
  const account = typeof email === 'string' ? email.trim().toLowerCase() : undefined
  return {
    address: address ? clientKey(address) : undefined,
    // Hashed: the store holds no email addresses, known or typed by an attacker.
    account: account ? createHash('sha256').update(account).digest('hex') : undefined,
    email: account,
  }
}

/**
 * The failures of `key` in the last `windowMs`, estimated from the fixed windows' counts (this one
 * in full, the previous one for the part of it still within reach), as a sliding window: a fixed
 * window alone forgot every count at its boundary, so 20 failures just before it and 20 just after
 * were all allowed.
 */
const recent = async (
  store: CounterStore,
  key: string,
  window: number,
  t: number,
  windowMs: number,
) => {
  const current = (await store.get<Entry>(`${key}:${window}`)) ?? {
    failures: 0,
    nextAllowedAt: 0,
  }
  const previous = await store.get<Entry>(`${key}:${window - 1}`)
  const reach = 1 - (t - window * windowMs) / windowMs
  return {
    current,
    failures: current.failures + (previous ? Math.ceil(previous.failures * reach) : 0),
    nextAllowedAt: Math.max(current.nextAllowedAt, previous?.nextAllowedAt ?? 0),
  }
}

const refuse = (req: PayloadRequest, seconds: number): never => {
  req.responseHeaders = new Headers({ 'Retry-After': String(seconds) })
  throw new RequestRefused(`Too many sign-in attempts. Try again in ${seconds} s.`, 429)
}

/** One attempt from `address`: refused past `perAddress` in the window, else counted. */
const countAddress = (
  cfg: Settings,
  req: PayloadRequest,
  s: Stores,
  address: string,
  at: { window: number; t: number; windowEnds: number },
) =>
  cfg.serialized(`address:${address}`, async () => {
    const { current, failures } = await recent(s.addresses, address, at.window, at.t, cfg.windowMs)
    if (failures >= cfg.perAddress) refuse(req, at.windowEnds)
    await s.addresses.set(`${address}:${at.window}`, { ...current, failures: current.failures + 1 })
  })

/** One attempt on `account`: past `perAccount`, one per `intervalMs` from anywhere. */
const countAccount = (
  cfg: Settings,
  req: PayloadRequest,
  s: Stores,
  account: string,
  at: { window: number; t: number },
) =>
  cfg.serialized(`account:${account}`, async () => {
    const seen = await recent(s.accounts, account, at.window, at.t, cfg.windowMs)
    let nextAllowedAt = seen.nextAllowedAt
    if (seen.failures >= cfg.perAccount) {
      if (at.t < nextAllowedAt) refuse(req, Math.max(1, Math.ceil((nextAllowedAt - at.t) / 1000)))
      nextAllowedAt = at.t + cfg.intervalMs
    }
    await s.accounts.set(`${account}:${at.window}`, {
      failures: seen.current.failures + 1,
      nextAllowedAt,
    })
  })

const beforeLoginOf =
  (cfg: Settings): CollectionBeforeOperationHook<'users'> =>
  async ({ args, collection, operation, req }) => {
    if (operation !== 'login') return args
    const data = (args as { data?: { email?: unknown; password?: unknown } }).data
    const t = cfg.now()
    const window = Math.floor(t / cfg.windowMs)
    const windowEnds = Math.max(1, Math.ceil(((window + 1) * cfg.windowMs - t) / 1000))
    const s = cfg.stores(req.payload)
    sweep(req.payload, s, window)
    const { address, account, email } = keysOf(req, data?.email)

    if (address) await countAddress(cfg, req, s, address, { window, t, windowEnds })
    if (account) await countAccount(cfg, req, s, account, { window, t })

    // An unknown account costs what a wrong password costs: timing must not name the accounts.
    if (email && typeof data?.password === 'string') {
      const { totalDocs } = await req.payload.db.count({
        collection: collection.slug,
        where: { email: { equals: email } },
        req,
      })
      if (totalDocs === 0) await cfg.hashPassword(data.password)
    }
    return args
  }

const afterLoginOf =
  (cfg: Settings): CollectionAfterLoginHook =>
  async ({ req, user }) => {
    const window = Math.floor(cfg.now() / cfg.windowMs)
    const s = cfg.stores(req.payload)
    const { address, account } = keysOf(req, (user as { email?: unknown }).email)
    if (address) {
      await cfg.serialized(`address:${address}`, async () => {
        const key = `${address}:${window}`
        const entry = await s.addresses.get<Entry>(key)
        if (entry)
          await s.addresses.set(key, { ...entry, failures: Math.max(0, entry.failures - 1) })
      })
    }
    if (account)
      await cfg.serialized(`account:${account}`, async () => {
        await s.accounts.delete(`${account}:${window}`)
        await s.accounts.delete(`${account}:${window - 1}`)
      })
    return user
  }

/**
 * Throttles sign-in attempts instead of locking accounts (Payload's `maxLoginAttempts` lets anyone
 * lock anyone out with a few wrong passwords, and its "locked" message tells them the account exists).
 *
 * - By address: past `perAddress` failures in a window, that address gets 429 with `Retry-After` until
 *   the window ends. It stops one client guessing, whichever accounts it tries. IPv6 addresses count
 *   per /64.
 * - By account: past `perAccount` failures in a window, the account takes one attempt every
 *   `accountIntervalMs`, from anywhere. Guessing from many addresses is slowed to a crawl, while the
 *   owner waits at most that interval, never a lock-out.
 *
 * Every attempt counts as a failure until it succeeds (`afterLogin` takes it back and clears the
 * account), and counting does not depend on whether the account exists, so a 429 says nothing about
 * existence; every failed sign-in gets Payload's one message, and a sign-in to an unknown account
 * hashes the password all the same, so it takes as long as a wrong password.
 *
 * The counts are in Payload's key-value store, shared by every server (addresses and accounts under
 * keys of their own, so a flood of one never evicts the other); windows are fixed (aligned to the
 * clock, read as a sliding window: this one's count plus the share of the previous one still within
 * the last `windowMs`). Within a process the counts of one key are updated one at a time; two servers updating the
 * same key at the same instant can still lose one increment (the store has no atomic increment), so
 * N servers give an attacker at most N tries where one would give one, only for attempts that are
 * exactly simultaneous.
 */
export const loginThrottle = (options: LoginThrottleOptions = {}) => {
  const perAccount = options.perAccount ?? 5
  const cfg: Settings = {
    perAddress: options.perAddress ?? 20,
    perAccount,
    intervalMs: options.accountIntervalMs ?? 30_000,
    windowMs: options.windowMs ?? 15 * 60_000,
    now: options.now ?? Date.now,
    hashPassword: options.hashPassword ?? hashLikePayload,
    stores: storesFor(options, perAccount),
    serialized: serializedByKey(),
  }
  return { beforeLogin: beforeLoginOf(cfg), afterLogin: afterLoginOf(cfg) }
}
