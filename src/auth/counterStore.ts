import type { KVAdapter, KVStoreValue, Payload } from 'payload'
import ipaddr from 'ipaddr.js'

/**
 * Counters that several server processes share (the sign-in throttle, the anonymous rate limit), on
 * Payload's key-value store (`payload.kv`): database-backed by default (the `payload-kv`
 * collection), Redis when `REDIS_URL` is set (src/auth/sharedKv.ts). Keys carry the number of the
 * fixed window they count (`<name>:<window>`), so a window's counts end by themselves and old ones are
 * swept from their keys alone, without reading them.
 */
export type CounterStore = {
  get<T extends KVStoreValue>(key: string): Promise<T | null>
  set(key: string, value: KVStoreValue): Promise<void>
  delete(key: string): Promise<void>
  /** Drops keys of windows before `window` (at most once per window; the caller decides). */
  sweep(window: number): Promise<void>
}

/** The window number of a key `<...>:<window>`; NaN when it has none. */
const windowOf = (key: string): number => Number(key.slice(key.lastIndexOf(':') + 1))

/**
 * In this process only, at most `maxEntries` keys: past that the oldest key that `keep` does not
 * protect is dropped first (the oldest of all when every key is protected). For a single server and
 * tests; each store is bounded on its own, so one kind of key (addresses) flooding in never evicts
 * another (accounts), and `keep` holds on to what matters (an account being slowed down) while junk
 * flows through.
 */
export const memoryCounterStore = (
  maxEntries: number,
  keep: (value: KVStoreValue) => boolean = () => false,
): CounterStore => {
  const entries = new Map<string, KVStoreValue>()
  const evictOne = () => {
    for (const [key, value] of entries) {
      if (!keep(value)) {
        entries.delete(key)
        return
      }
    }
    entries.delete(entries.keys().next().value as string)
  }
  return {
    get: async <T extends KVStoreValue>(key: string) => (entries.get(key) as T | undefined) ?? null,
    set: async (key, value) => {
      entries.delete(key)
      while (entries.size >= maxEntries) evictOne()
      entries.set(key, value)
    },
    delete: async (key) => {
      entries.delete(key)
    },
    sweep: async (window) => {
      for (const key of [...entries.keys()]) if (windowOf(key) < window) entries.delete(key)
    },
  }
}

/** `kv` under `prefix` (e.g. `login-throttle:`), shared by every server on the same store. */
export const kvCounterStore = (kv: KVAdapter, prefix: string): CounterStore => ({
  get: <T extends KVStoreValue>(key: string) => kv.get<T>(`${prefix}${key}`),
  set: (key, value) => kv.set(`${prefix}${key}`, value),
  delete: (key) => kv.delete(`${prefix}${key}`),
  sweep: async (window) => {
    const old = (await kv.keys()).filter((key) => key.startsWith(prefix) && windowOf(key) < window)
    for (const key of old) await kv.delete(key)
  },
})

/** The shared store of `payload` under `prefix`. */
export const sharedCounterStore = (payload: Payload, prefix: string): CounterStore =>
  kvCounterStore(payload.kv, prefix)

/**
 * The client a count belongs to: an IPv4 address as it is (IPv4-mapped IPv6 too), an IPv6 address as
 * its /64 network. One subscriber usually gets a whole /64, so counting each IPv6 address alone gave
 * an attacker unlimited fresh "clients". Anything unparsable is counted as given.
 */
export const clientKey = (address: string): string => {
  if (!ipaddr.isValid(address)) return address
  const ip = ipaddr.process(address)
  if (ip.kind() === 'ipv4') return ip.toString()
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4)
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`
}

/**
 * Runs `fn` after every earlier call for the same key has finished, so that read-modify-write
 * counts in this process do not lose increments to each other.
 */
export const serializedByKey = () => {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}

/**
 * Runs `fn` when Payload is destroyed (the servers' `close`), before the database closes: for timers
 * that use the shared store.
 */
export const onDestroy = (payload: Payload, fn: () => Promise<void>): void => {
  const destroy = payload.destroy.bind(payload)
  payload.destroy = async () => {
    await fn()
    await destroy()
  }
}
