import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createLocalReq, type Payload } from 'payload'

import * as sqliteMigration from '../../migrations/20261128_209000_topic_categories'
import * as postgresMigration from '../../migrations-postgres/20261206_219000_topic_categories'
import { readContentEpoch } from '../../src/store/epoch'
import { bootPayload } from '../helpers/payload'

/**
 * The `topic_categories` data migration on a database the old importer filled: imported posts listed
 * their outlet (and "News") as a category. Runs the dialect's own migration file.
 */
let payload: Payload

beforeAll(async () => {
  payload = await bootPayload()
}, 120_000)
afterAll(async () => {
  await payload?.destroy()
})

const migration = () => (payload.db.name === 'postgres' ? postgresMigration : sqliteMigration)
const runMigration = async () => {
  const req = await createLocalReq({}, payload)
  const db = (payload.db as unknown as { drizzle: unknown }).drizzle
  await migration().up({ db, payload, req } as never)
}

const categoryIds = async (id: number | string, draft: boolean) => {
  const post = await payload.findByID({ collection: 'posts', id, draft, depth: 0 })
  return ((post.categories ?? []) as Array<number | string>).map(String).sort()
}

describe('the topic_categories migration', () => {
  it('takes the outlet and generic labels out of imported posts (row and latest version), keeps topics and what staff chose, and deletes categories left unused', async () => {
    if (!['sqlite', 'postgres'].includes(payload.db.name)) return
    const daily = await payload.create({ collection: 'sources', data: { name: '示例日报' } })
    const english = await payload.create({ collection: 'sources', data: { name: 'Example Daily' } })
    const category = (name: string) => payload.create({ collection: 'categories', data: { name } })
    const outletZh = await category('示例日报')
    const outletEn = await category('example daily')
    const news = await category('News')
    const culture = await category('文化')
    const importedAt = new Date().toISOString()
    const post = (
      title: string,
      source: number | string,
      cats: Array<number | string>,
      imported: boolean,
    ) =>
      payload.create({
        collection: 'posts',
        data: {
          title,
          source,
          categories: cats,
          ...(imported && { provenance: { importedAt } }),
        } as never,
      })
    const importedZh = await post('港口', daily.id, [outletZh.id, culture.id, news.id], true)
    const importedEn = await post('Harbour', english.id, [outletEn.id], true)
    const staff = await post('Staff pick', daily.id, [outletZh.id, culture.id], false)
    const epochBefore = await readContentEpoch(payload)

    await runMigration()

    for (const draft of [false, true]) {
      expect(await categoryIds(importedZh.id, draft)).toEqual([String(culture.id)])
      expect(await categoryIds(importedEn.id, draft)).toEqual([])
      expect(await categoryIds(staff.id, draft)).toEqual(
        [String(culture.id), String(outletZh.id)].sort(),
      )
    }
    const left = await payload.find({ collection: 'categories', limit: 0, depth: 0 })
    // 示例日报 stays (the staff post uses it); "example daily" and "News" had no one left.
    expect(left.docs.map((c) => c.name).sort()).toEqual(['文化', '示例日报'].sort())
    expect(await readContentEpoch(payload)).not.toBe(epochBefore)

    // Once is enough: a second run changes nothing and leaves the epoch alone.
    const epochAfter = await readContentEpoch(payload)
    await runMigration()
    expect(await categoryIds(importedZh.id, true)).toEqual([String(culture.id)])
    expect(await readContentEpoch(payload)).toBe(epochAfter)
    expect((await payload.find({ collection: 'categories', limit: 0 })).totalDocs).toBe(2)
    void news
  })
})
