import { databaseKVAdapter, type Config, type KVAdapterResult } from 'payload'

import { parseSetting, settings } from '../config'
import { RedisKVAdapter } from './redisKv'

/**
 * The key-value store every server shares (`payload.kv`): the sign-in throttle and the anonymous
 * rate limit keep their counts there. With `REDIS_URL` set, Redis (./redisKv.ts, keys under
 * `REDIS_KEY_PREFIX`, default `newsroom:`); otherwise Payload's default, a table in the database. The
 * database's `payload-kv` collection stays in the schema either way, so setting `REDIS_URL` changes
 * no migration.
 */
export const sharedKv = (env?: {
  REDIS_URL?: string
  REDIS_KEY_PREFIX?: string
}): KVAdapterResult => {
  const database = databaseKVAdapter()
  const redisURL = env ? parseSetting('redisUrl', env.REDIS_URL) : settings().redisUrl
  if (!redisURL) return database
  const prefix = env
    ? parseSetting('redisKeyPrefix', env.REDIS_KEY_PREFIX)
    : settings().redisKeyPrefix
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
