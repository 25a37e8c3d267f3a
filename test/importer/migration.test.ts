import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createLocalReq, type Payload } from 'payload'

import { down, MIGRATION_IMPORT_RUN, up } from '../../migrations/20261128_210000_import_archive'
import { bootPayload } from '../helpers/payload'

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/archive')
const COLLECTIONS = ['posts', 'media', 'authors', 'categories', 'sources'] as const

let payload: Payload
beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  delete process.env.ARCHIVE_DIR
  await payload.destroy()
})

const counts = async () =>
  Object.fromEntries(
    await Promise.all(
      COLLECTIONS.map(
        async (c) =>
          [c, (await payload.count({ collection: c, overrideAccess: true })).totalDocs] as const,
      ),
    ),
  )

describe('the import_archive migration', () => {
  it('imports nothing, and says so, when ARCHIVE_DIR is not set', async () => {
    delete process.env.ARCHIVE_DIR
    await up({ payload, req: await createLocalReq({}, payload) } as never)
    expect(await counts()).toEqual({ posts: 0, media: 0, authors: 0, categories: 0, sources: 0 })
  })

  it('imports ARCHIVE_DIR on up and removes exactly what it created on down', async () => {
    // Content that existed before the migration must survive its down.
    const editorsOwn = await payload.create({ collection: 'sources', data: { name: '本站原创' } })
    const before = await counts()

    process.env.ARCHIVE_DIR = EXAMPLES
    await up({ payload, req: await createLocalReq({}, payload) } as never)
    const after = await counts()
    expect(after.posts).toBeGreaterThan(before.posts)
    const runs = await payload.find({
      collection: 'import-runs',
      where: { runId: { equals: MIGRATION_IMPORT_RUN } },
      overrideAccess: true,
    })
    expect(runs.totalDocs).toBe(1)

    await down({ payload, req: await createLocalReq({}, payload) } as never)
    expect(await counts()).toEqual(before)
    expect((await payload.findByID({ collection: 'sources', id: editorsOwn.id })).name).toBe(
      '本站原创',
    )
    expect(
      (
        await payload.count({
          collection: 'import-runs',
          where: { runId: { equals: MIGRATION_IMPORT_RUN } },
        })
      ).totalDocs,
    ).toBe(0)
  })
})
