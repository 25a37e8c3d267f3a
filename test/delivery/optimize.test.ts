import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { sql } from '@payloadcms/db-sqlite'
import type { Payload } from 'payload'

import { bootPayload } from '../helpers/payload'
import { optimizeDatabase } from '../../src/store/optimizeDatabase'

let payload: Payload
beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  await payload.destroy()
})

const statRows = async () => {
  const drizzle = (
    payload.db as unknown as { drizzle: { all: (q: unknown) => Promise<unknown[]> } }
  ).drizzle
  return (await drizzle.all(sql.raw("SELECT stat FROM sqlite_stat1 WHERE tbl = 'posts'"))) as {
    stat: string
  }[]
}

describe('optimizeDatabase on SQLite', () => {
  it('does nothing on a new, empty database, which has no statistics table', async () => {
    // Before any post: SQLite's `PRAGMA optimize` finds nothing to analyse and makes no sqlite_stat1.
    const done = await optimizeDatabase(payload)
    expect(done.ran).toEqual(payload.db.name === 'sqlite' ? 'PRAGMA optimize' : 'nothing')
  })

  it('analyzes a database without statistics, then keeps them fresh cheaply, and again after a bulk load', async () => {
    if (payload.db.name === 'postgres') {
      // Never analyzed: the first call analyzes, the next finds the statistics fresh.
      for (let i = 0; i < 3; i++)
        await payload.create({ collection: 'posts', data: { title: `p${i}` } })
      expect((await optimizeDatabase(payload)).ran).toBe('ANALYZE')
      expect((await optimizeDatabase(payload)).ran).toBe('nothing')
      for (let i = 3; i < 10; i++)
        await payload.create({ collection: 'posts', data: { title: `p${i}` } })
      expect((await optimizeDatabase(payload)).ran).toBe('ANALYZE')
      return
    }
    if (payload.db.name !== 'sqlite') {
      expect(await optimizeDatabase(payload)).toEqual({ ran: 'nothing', ms: 0 })
      return
    }
    for (let i = 0; i < 3; i++)
      await payload.create({ collection: 'posts', data: { title: `p${i}` } })
    expect((await optimizeDatabase(payload)).ran).toBe('ANALYZE')
    expect((await statRows())[0]?.stat).toMatch(/^3 /)
    expect((await optimizeDatabase(payload)).ran).toBe('PRAGMA optimize')
    for (let i = 3; i < 10; i++)
      await payload.create({ collection: 'posts', data: { title: `p${i}` } })
    expect((await optimizeDatabase(payload)).ran).toBe('ANALYZE')
    expect((await statRows())[0]?.stat).toMatch(/^10 /)
  })

  it('records the rows per key of an ingest key from its non-NULL values (archive posts have none)', async () => {
    if (payload.db.name !== 'sqlite') return
    const drizzle = (
      payload.db as unknown as { drizzle: { all: (q: unknown) => Promise<unknown[]> } }
    ).drizzle
    // Archive posts: no matching key. Two ingested ones: a key each.
    for (let i = 0; i < 40; i++)
      await payload.create({ collection: 'posts', data: { title: `archive ${i}` } })
    for (const key of ['example.test/a', 'example.test/b'])
      await payload.create({
        collection: 'posts',
        data: { title: key, provenance: { matchUrl: key, guid: key } } as never,
      })
    const stats = async () =>
      (await drizzle.all(
        sql.raw(
          "SELECT idx, stat FROM sqlite_stat1 WHERE idx IN ('posts_provenance_provenance_match_url_idx', 'posts_provenance_provenance_guid_idx') ORDER BY idx",
        ),
      )) as { idx: string; stat: string }[]
    // ANALYZE alone: every NULL counted as one key (what made a poll scan the 64k archive's index).
    await drizzle.all(sql.raw('ANALYZE'))
    const rows = (await stats())[0].stat.split(' ')[0]
    expect((await stats()).map((s) => s.stat)).not.toEqual([`${rows} 1`, `${rows} 1`])
    await optimizeDatabase(payload)
    expect(await stats()).toEqual([
      { idx: 'posts_provenance_provenance_guid_idx', stat: `${rows} 1` },
      { idx: 'posts_provenance_provenance_match_url_idx', stat: `${rows} 1` },
    ])
  })
})
