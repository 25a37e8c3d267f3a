import '../../src/preload'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  commitTransaction,
  createLocalReq,
  getPayload,
  initTransaction,
  type Payload,
} from 'payload'

import { startPrimaryAndReplica, type PrimaryAndReplica } from '../helpers/pgCluster'
import { createUser } from '../helpers/payload'
import { watchContent } from '../../src/delivery/freshness'
import { readContentEpoch } from '../../src/store/epoch'
import { waitFor } from '../helpers/timing'

/**
 * Read replicas (`DATABASE_REPLICA_URIS`) on a real streaming replica: the test starts a PostgreSQL
 * primary and a `pg_basebackup` standby of it, then pauses the standby's replay so that it lags
 * behind for as long as the test wants. Two Payloads stand for two servers: one writes, the other
 * (which wrote nothing, so db-postgres sends its plain reads to the replica) reads.
 */
let cluster: PrimaryAndReplica
let writer: Payload
let reader: Payload

beforeAll(async () => {
  cluster = await startPrimaryAndReplica()
  await cluster.primary.query('postgres', 'CREATE DATABASE newsroom')
  process.env.DATABASE_URI = cluster.primary.url('newsroom')
  process.env.DATABASE_REPLICA_URIS = cluster.replica.url('newsroom')
  const { default: config } = await import('../../payload.config')
  // The replica stops following before the schema exists: the second server starts while its
  // replica has no migrations table (it reads the migration state from the primary).
  await cluster.caughtUp()
  await cluster.pauseReplay()
  writer = await getPayload({ config, key: 'replicas-writer' })
  reader = await getPayload({ config, key: 'replicas-reader' })
  await cluster.resumeReplay()
  // The schema (migrated on the primary) and an author are on the replica, then it stops following.
  await createUser(writer, 'editor', 'editor@replicas.test')
  await cluster.caughtUp()
  await cluster.pauseReplay()
}, 180_000)

afterAll(async () => {
  await writer?.destroy()
  await reader?.destroy()
  cluster?.stop()
})

const publishPost = (payload: Payload, title: string) =>
  payload.create({
    collection: 'posts',
    data: { title, slug: title.toLowerCase().replace(/\W+/g, '-'), _status: 'published' },
    overrideAccess: true,
  })

const epochOn = async (server: 'primary' | 'replica') => {
  const rows = await cluster[server].query<{ value: string }>(
    'newsroom',
    "SELECT value FROM delivery_epochs WHERE key = 'content'",
  )
  return rows[0]?.value ?? 'none'
}

describe('read replicas', () => {
  it('serve plain reads: a post published while the replica lags is not in them yet', async () => {
    const post = await publishPost(writer, 'Lagging replica')
    const seen = await reader.find({ collection: 'posts', where: { id: { equals: post.id } } })
    expect(seen.totalDocs).toBe(0)
  })

  it('never serve the content epoch: a server reads the primary’s, not the replica’s old one', async () => {
    await publishPost(writer, 'Epoch on the primary')
    const primaryEpoch = await epochOn('primary')
    expect(await epochOn('replica')).not.toBe(primaryEpoch)
    expect(await readContentEpoch(reader)).toBe(primaryEpoch)
  })

  it('never serve a read inside a write’s transaction', async () => {
    const post = await publishPost(writer, 'Edited in a transaction')
    const req = await createLocalReq({}, reader)
    await initTransaction(req)
    const inside = await reader.find({
      collection: 'posts',
      where: { id: { equals: post.id } },
      req,
      overrideAccess: true,
    })
    expect(inside.totalDocs).toBe(1)
    const updated = await reader.update({
      collection: 'posts',
      id: post.id,
      data: { title: 'Edited in a transaction, twice' },
      req,
      overrideAccess: true,
    })
    expect(updated.title).toBe('Edited in a transaction, twice')
    await commitTransaction(req)
  })

  it('never serve the shared counters: the throttle sees a count another server just wrote', async () => {
    await writer.kv.set('replica-test:failures', { count: 3 })
    expect(await reader.kv.get('replica-test:failures')).toEqual({ count: 3 })
    expect(await reader.kv.keys()).toContain('replica-test:failures')
    await writer.kv.set('replica-test:failures', { count: 4 })
    expect(await reader.kv.get('replica-test:failures')).toEqual({ count: 4 })
  })

  it('are not cached from while they lag behind the epoch: the delivery cache waits for them', async () => {
    const freshness = watchContent(reader, { pollMs: 50 })
    try {
      // Paused since before this file's posts: the replica lags the epoch from the start.
      freshness.epoch()
      await waitFor('the watch to read the epoch', async () =>
        (await readContentEpoch(reader)) === (await epochOn('primary')) ? true : undefined,
      )
      // However long it polls, a lagging replica keeps the cache off (no epoch to cache under).
      for (let i = 0; i < 10; i++) {
        expect(freshness.epoch()).toBeUndefined()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await cluster.resumeReplay()
      await cluster.caughtUp()
      const cachedUnder = await waitFor('the cache to come back on', async () => freshness.epoch())
      await cluster.pauseReplay()
      await publishPost(writer, 'Another while lagging')
      await waitFor('the cache to go off at the next publish', async () =>
        freshness.epoch() === undefined ? true : undefined,
      )
      expect(cachedUnder).toEqual(expect.any(Number))
    } finally {
      freshness.stop()
    }
  })

  it('catch up once the replica replays again', async () => {
    const post = await publishPost(writer, 'Caught up')
    await cluster.resumeReplay()
    await cluster.caughtUp()
    const seen = await reader.find({ collection: 'posts', where: { id: { equals: post.id } } })
    expect(seen.totalDocs).toBe(1)
  })
})
