import {
  DatabaseKVAdapter,
  databaseKVAdapter,
  type CollectionSlug,
  type Config,
  type KVAdapterResult,
  type KVStoreValue,
} from 'payload'

import { parseSetting, settings } from '../config'
import { primaryRequest } from '../db'
import { RedisKVAdapter } from './redisKv'

/**
 * Payload's database store, every statement on the primary: with read replicas (PostgreSQL,
 * `DATABASE_REPLICA_URIS`) its reads would go to a replica, and a lagging one would hand the
 * throttle an old count (failures made through another server missed) and its `upsert` would
 * insert a key the primary already holds.
 */
class PrimaryDatabaseKV extends DatabaseKVAdapter {
  private get slug(): CollectionSlug {
    return this.collectionSlug as CollectionSlug
  }

  private where(key: string) {
    return { key: { equals: key } }
  }

  override async clear(): Promise<void> {
    await this.payload.db.deleteMany({
      collection: this.slug,
      req: primaryRequest(this.payload),
      where: {},
    })
  }

  override async delete(key: string): Promise<void> {
    await this.payload.db.deleteOne({
      collection: this.slug,
      req: primaryRequest(this.payload),
      where: this.where(key),
    })
  }

  override async get<T extends KVStoreValue>(key: string): Promise<T | null> {
    const doc = (await this.payload.db.findOne({
      collection: this.slug,
      req: primaryRequest(this.payload),
      select: { data: true, key: true },
      where: this.where(key),
    })) as { data?: T } | null
    return doc ? (doc.data as T) : null
  }

  override async has(key: string): Promise<boolean> {
    const { totalDocs } = await this.payload.db.count({
      collection: this.slug,
      req: primaryRequest(this.payload),
      where: this.where(key),
    })
    return totalDocs > 0
  }

  override async keys(): Promise<string[]> {
    const { docs } = await this.payload.db.find({
      collection: this.slug,
      limit: 0,
      pagination: false,
      req: primaryRequest(this.payload),
      select: { key: true },
    })
    return docs.map((doc) => (doc as unknown as { key: string }).key)
  }

  override async set(key: string, data: KVStoreValue): Promise<void> {
    await this.payload.db.upsert({
      collection: this.slug,
      data: { data, key },
      req: primaryRequest(this.payload),
      select: {},
      where: this.where(key),
    })
  }
}

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
  const payloadDefault = databaseKVAdapter()
  const database: KVAdapterResult = {
    init: ({ payload }) => new PrimaryDatabaseKV(payload, payloadDefault.kvCollection!.slug),
    kvCollection: payloadDefault.kvCollection,
  }
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
