import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { sql } from '@payloadcms/db-sqlite'
import type { Payload } from 'payload'

import { bootPayload } from '../helpers/payload'

/**
 * The admin reads the posts' latest versions (drafts are on). Its counts and pages must come from an
 * index, never from the versions table, whose rows spill each post's body over overflow pages (the
 * "waiting for review" card took 6.5 s on the 64k archive).
 */
let payload: Payload
type Drizzle = { all: (query: ReturnType<typeof sql.raw>) => Promise<unknown[]> }
const plan = async (query: string): Promise<string> => {
  const drizzle = (payload.db as unknown as { drizzle: Drizzle }).drizzle
  const rows = (await drizzle.all(sql.raw(`EXPLAIN QUERY PLAN ${query}`))) as { detail: string }[]
  return rows.map((r) => r.detail).join('\n')
}

beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  await payload?.destroy()
})

describe("the desk's queries on the posts' latest versions", () => {
  const cases: Array<[string, string, string]> = [
    [
      'the list, newest first, with its search box',
      "SELECT count(*) FROM _posts_v WHERE latest = 1 AND (version_title LIKE '%中国%' OR version_source_url LIKE '%中国%' OR version_slug LIKE '%中国%')",
      '_posts_v_desk_latest_date_idx',
    ],
    [
      'a page of the list',
      'SELECT id FROM _posts_v WHERE latest = 1 ORDER BY version_published_at DESC LIMIT 10 OFFSET 490',
      '_posts_v_desk_latest_date_idx',
    ],
    [
      'waiting for review',
      "SELECT count(*) FROM _posts_v WHERE latest = 1 AND version_editorial_state = 'in_review'",
      '_posts_v_desk_state_idx',
    ],
    [
      'recently published',
      "SELECT id FROM _posts_v WHERE latest = 1 AND version__status = 'published' ORDER BY version_published_at DESC LIMIT 5",
      '_posts_v_desk_status_idx',
    ],
    [
      'my drafts',
      "SELECT count(*) FROM _posts_v WHERE latest = 1 AND version_created_by_id = 1 AND version_editorial_state IN ('draft', 'changes_requested')",
      '_posts_v_desk_creator_idx',
    ],
    [
      'filter by source',
      'SELECT id FROM _posts_v WHERE latest = 1 AND version_source_id = 1 ORDER BY version_published_at DESC LIMIT 10',
      '_posts_v_desk_source_idx',
    ],
  ]
  it.each(cases)('%s is answered from a covering index', async (_name, query, index) => {
    expect(await plan(query)).toContain(`COVERING INDEX ${index}`)
  })
})
