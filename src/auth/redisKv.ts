import { Redis } from 'ioredis'
import type { KVAdapter, KVStoreValue } from 'payload'

/**
 * Payload's key-value store on Redis: values as JSON under `prefix`. The same as
 * `@payloadcms/kv-redis`, whose last 3.x release (3.90.1) requires payload 3.90.1 exactly: with
 * payload 3.90.2 Payload's dependency check rejects it at every start outside production. `quit`
 * closes the connection (the servers call it when Payload is destroyed).
 */
export class RedisKVAdapter implements KVAdapter {
  readonly redis: Redis

  constructor(
    redisURL: string,
    private readonly prefix: string,
  ) {
    // Commands wait while Redis reconnects, up to 3 tries each; a lost Redis fails the sign-in or
    // the merge with an error instead of hanging it.
    this.redis = new Redis(redisURL, { maxRetriesPerRequest: 3, lazyConnect: false })
  }

  private keysWithPrefix(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const found: string[] = []
      // SCAN, not KEYS: never blocks Redis on a large keyspace.
      const stream = this.redis.scanStream({ match: `${this.prefix}*`, count: 500 })
      stream.on('data', (keys: string[]) => found.push(...keys))
      stream.on('end', () => resolve(found))
      stream.on('error', reject)
    })
  }

  async clear(): Promise<void> {
    const keys = await this.keysWithPrefix()
    if (keys.length > 0) await this.redis.del(...keys)
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}${key}`)
  }

  async get<T extends KVStoreValue>(key: string): Promise<T | null> {
    const text = await this.redis.get(`${this.prefix}${key}`)
    return text === null ? null : (JSON.parse(text) as T)
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}${key}`)) === 1
  }

  async keys(): Promise<string[]> {
    return (await this.keysWithPrefix()).map((key) => key.slice(this.prefix.length))
  }

  async set(key: string, value: KVStoreValue): Promise<void> {
    await this.redis.set(`${this.prefix}${key}`, JSON.stringify(value))
  }

  async quit(): Promise<void> {
    await this.redis.quit()
  }
}
