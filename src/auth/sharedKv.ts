import { redisKVAdapter } from '@payloadcms/kv-redis'
import { databaseKVAdapter, type Config, type KVAdapterResult } from 'payload'

/**
 * The key-value store every server shares (`payload.kv`): the sign-in throttle and the anonymous
 * rate limit keep their counts there. With `REDIS_URL` set, Redis (`@payloadcms/kv-redis`, keys under
 * `REDIS_KEY_PREFIX`, default `newsroom:`); otherwise Payload's default, a table in the database. The
 * database's `payload-kv` collection stays in the schema either way, so setting `REDIS_URL` changes
 * no migration.
 */
export const sharedKv = (env: NodeJS.ProcessEnv = process.env): KVAdapterResult => {
  const database = databaseKVAdapter()
  const redisURL = env.REDIS_URL?.trim()
  if (!redisURL) return database
  if (!/^rediss?:\/\//.test(redisURL))
    throw new Error(
      `REDIS_URL="${redisURL}" is not a redis:// or rediss:// URL. Set it to the Redis the servers share, or leave it unset to keep shared counts in the database.`,
    )
  const redis = redisKVAdapter({ redisURL, keyPrefix: env.REDIS_KEY_PREFIX ?? 'newsroom:' })
  return { init: redis.init, kvCollection: database.kvCollection }
}

/** The Redis connection of a `payload.kv` made by `sharedKv`, if it has one. */
type WithRedis = { redisClient?: { quit: () => Promise<unknown> } }

/**
 * Sets the shared store on `config` unless the host set one, and closes its Redis connection when
 * Payload is destroyed (the adapter does not, and an open connection keeps the process alive).
 */
export const withSharedKv = (config: Config): Config => ({
  ...config,
  kv: config.kv ?? sharedKv(),
  onInit: async (payload) => {
    await config.onInit?.(payload)
    const redis = (payload.kv as WithRedis).redisClient
    if (!redis) return
    const destroy = payload.destroy.bind(payload)
    payload.destroy = async () => {
      await destroy()
      await redis.quit()
    }
  },
})
