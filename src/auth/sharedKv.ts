import { databaseKVAdapter, type Config, type KVAdapterResult } from 'payload'

import { RedisKVAdapter } from './redisKv'

/**
 * The key-value store every server shares (`payload.kv`): the sign-in throttle and the anonymous
 * rate limit keep their counts there. With `REDIS_URL` set, Redis (./redisKv.ts, keys under
 * `REDIS_KEY_PREFIX`, default `newsroom:`); otherwise Payload's default, a table in the database. The
 * database's `payload-kv` collection stays in the schema either way, so setting `REDIS_URL` changes
 * no migration.
 */
export const sharedKv = (
  env: { REDIS_URL?: string; REDIS_KEY_PREFIX?: string } = process.env as Record<string, string>,
): KVAdapterResult => {
  const database = databaseKVAdapter()
  const redisURL = env.REDIS_URL?.trim()
  if (!redisURL) return database
  if (!/^rediss?:\/\//.test(redisURL))
    throw new Error(
      `REDIS_URL="${redisURL}" is not a redis:// or rediss:// URL. Set it to the Redis the servers share, or leave it unset to keep shared counts in the database.`,
    )
  const prefix = env.REDIS_KEY_PREFIX ?? 'newsroom:'
  return {
    init: () => new RedisKVAdapter(redisURL, prefix),
    kvCollection: database.kvCollection,
  }
}

/**
 * Sets the shared store on `config` unless the host set one, and closes its Redis connection when
 * Payload is destroyed (the adapter does not, and an open connection keeps the process alive).
 */
export const withSharedKv = (config: Config): Config => ({
  ...config,
  kv: config.kv ?? sharedKv(),
  onInit: async (payload) => {
    await config.onInit?.(payload)
    const kv = payload.kv
    if (!(kv instanceof RedisKVAdapter)) return
    const destroy = payload.destroy.bind(payload)
    payload.destroy = async () => {
      await destroy()
      await kv.quit()
    }
  },
})
