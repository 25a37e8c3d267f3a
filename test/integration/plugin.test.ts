import '../../src/preload'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { lexicalEditor } from '@payloadcms/richtext-lexical'
import { buildConfig, getPayload, type CollectionAfterChangeHook, type Payload } from 'payload'

import { databaseAdapter, resolveDatabase } from '../../src/db'
import { newsroomPlugin } from '../../src/plugin'

const seenByHostHook: string[] = []
const recordChange: CollectionAfterChangeHook = ({ doc }) => {
  seenByHostHook.push(doc.label)
  return doc
}
let hostInitRan = false

const hostConfig = () =>
  buildConfig({
    secret: 'plugin-test',
    // A host config of its own: no committed migrations describe its `notes` collection, so the
    // throw-away PostgreSQL database of this file gets the schema pushed.
    db: databaseAdapter(resolveDatabase(), { pushSchema: true }),
    editor: lexicalEditor(),
    typescript: { autoGenerate: false },
    collections: [
      {
        slug: 'notes',
        fields: [{ name: 'label', type: 'text' }],
        hooks: { afterChange: [recordChange] },
      },
    ],
    onInit: () => {
      hostInitRan = true
    },
    plugins: [newsroomPlugin()],
  })

let payload: Payload
beforeAll(async () => {
  payload = await getPayload({ config: hostConfig(), key: 'plugin-host' })
})
afterAll(async () => {
  await payload.destroy()
})

describe('newsroomPlugin on a host config', () => {
  it("keeps the host's own collection and its afterChange hook", async () => {
    await payload.create({ collection: 'notes' as never, data: { label: 'host note' } as never })
    expect(seenByHostHook).toEqual(['host note'])
  })

  it("keeps the host's onInit", () => {
    expect(hostInitRan).toBe(true)
  })

  it('adds the newsroom collections next to the host ones', () => {
    const slugs = payload.config.collections.map((c) => c.slug)
    expect(slugs).toEqual(
      expect.arrayContaining([
        'notes',
        'posts',
        'authors',
        'sources',
        'categories',
        'media',
        'users',
      ]),
    )
  })

  it('refuses a host collection whose slug it would replace, naming it', () => {
    expect(() =>
      newsroomPlugin()({ collections: [{ slug: 'posts', fields: [] }] } as never),
    ).toThrow(/"posts"/)
  })
})
