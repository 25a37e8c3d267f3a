import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { sql } from '@payloadcms/db-sqlite'
import type { Payload, Where } from 'payload'

import { onPostgres } from '../helpers/database'
import { bootPayload } from '../helpers/payload'

/**
 * The posts' search box (title, source URL, slug) is served by a trigram index (FTS5 on SQLite,
 * pg_trgm on PostgreSQL) and answers exactly what Payload's LIKE search answers: every
 * space-separated word contained in one field, ASCII letters in any case.
 */
let payload: Payload

type Row = { title: string; sourceUrl: string }
const rows: Row[] = [
  { title: '中国新闻网：今日要闻', sourceUrl: 'https://news.example.cn/a/1' },
  { title: '中国经济 Weekly Review', sourceUrl: 'https://econ.example.cn/b/2' },
  { title: '香港天气', sourceUrl: 'https://hk.example.com/zhongguo/3' },
  { title: 'Hello World from Taipei', sourceUrl: 'https://tw.example.com/c/4' },
  { title: 'Ordinary day', sourceUrl: 'https://example.org/%E4%B8%AD/5' },
  { title: 'WORLDWIDE markets', sourceUrl: 'https://markets.example.net/hello-6' },
]

/** LIKE's answer, computed without the database: each word in one field, ASCII case folded. */
const likeMatches = (
  post: { title: string; sourceUrl?: string | null; slug?: string | null },
  q: string,
) => {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const words = q.split(' ')
  return [post.title, post.sourceUrl ?? '', post.slug ?? ''].some((field) =>
    words.every((w) => fold(field).includes(fold(w))),
  )
}

const search = (q: string): Where => ({
  or: [{ title: { like: q } }, { sourceUrl: { like: q } }, { slug: { like: q } }],
})

/** What the admin's list (drafts: the latest versions) and REST (the posts table) answer. */
const found = async (q: string, draft: boolean): Promise<number[]> => {
  const result = await payload.find({
    collection: 'posts',
    where: search(q),
    draft,
    limit: 0,
    depth: 0,
    sort: 'id',
    overrideAccess: true,
  })
  return result.docs.map((d) => d.id as number)
}

const expected = async (q: string): Promise<number[]> => {
  const all = await payload.find({
    collection: 'posts',
    draft: true,
    limit: 0,
    depth: 0,
    sort: 'id',
    overrideAccess: true,
  })
  return all.docs.filter((d) => likeMatches(d, q)).map((d) => d.id as number)
}

const queries = [
  '中国',
  '中国新闻',
  '国新闻网',
  '今日要闻',
  'hello',
  'WORLD',
  'weekly REV',
  'example.cn',
  'zhongguo',
  '中',
]

beforeAll(async () => {
  payload = await bootPayload()
  for (const row of rows) {
    await payload.create({ collection: 'posts', data: row, overrideAccess: true })
  }
})
afterAll(async () => {
  await payload?.destroy()
})

describe('the posts search box on a trigram index', () => {
  it.each(queries)('answers %s as LIKE does, in the admin list and in REST', async (q) => {
    const want = await expected(q)
    expect(want.length).toBeGreaterThan(0)
    expect(await found(q, true)).toEqual(want)
    expect(await found(q, false)).toEqual(want)
  })

  it('follows a post created, retitled and deleted', async () => {
    const post = await payload.create({
      collection: 'posts',
      data: {
        title: '台风预警发布',
        slug: 'typhoon-warning',
        sourceUrl: 'https://weather.example.cn/typhoon',
      },
      overrideAccess: true,
    })
    expect(await found('台风预警', true)).toEqual([post.id])
    expect(await found('台风预警', false)).toEqual([post.id])

    await payload.update({
      collection: 'posts',
      id: post.id,
      data: { title: '暴雨预警发布' },
      overrideAccess: true,
    })
    expect(await found('台风预警', true)).toEqual([])
    expect(await found('台风预警', false)).toEqual([])
    expect(await found('暴雨预警', true)).toEqual([post.id])
    expect(await found('暴雨预警', false)).toEqual([post.id])

    await payload.delete({ collection: 'posts', id: post.id, overrideAccess: true })
    expect(await found('暴雨预警', true)).toEqual([])
    expect(await found('暴雨预警', false)).toEqual([])
  })

  it('is answered from the trigram index for words of 3 characters or more', async () => {
    if (onPostgres()) {
      const pg = payload.db as unknown as {
        pool: { query: (q: string) => Promise<{ rows: Record<string, string>[] }> }
      }
      const client = pg.pool
      // Six posts: the planner would rightly read the table; the question is whether it can use the index.
      await client.query('SET enable_seqscan = off')
      const plan = await client.query(
        "EXPLAIN SELECT id FROM _posts_v WHERE version_title ILIKE '%中国新闻%'",
      )
      await client.query('RESET enable_seqscan')
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(
        '_posts_v_version_title_trgm_idx',
      )
      return
    }
    const db = payload.db as unknown as {
      drizzle: {
        all: (q: ReturnType<typeof sql.raw>) => Promise<{ detail: string }[]>
        select: (fields: object) => {
          from: (t: unknown) => {
            where: (w: unknown) => { toSQL: () => { sql: string; params: unknown[] } }
          }
        }
      }
      tables: Record<string, Record<string, unknown>>
      operators: { like: (column: unknown, value: string) => unknown }
    }
    const planOf = async (word: string): Promise<string> => {
      const table = db.tables._posts_v
      const query = db.drizzle
        .select({ id: table.id })
        .from(table)
        .where(db.operators.like(table.version_title, `%${word}%`))
        .toSQL()
      const inlined = query.params.reduce<string>(
        (text, param) => text.replace('?', `'${String(param).replaceAll("'", "''")}'`),
        query.sql,
      )
      const plan = await db.drizzle.all(sql.raw(`EXPLAIN QUERY PLAN ${inlined}`))
      return plan.map((r) => r.detail).join('\n')
    }
    expect(await planOf('中国新闻')).toContain('VIRTUAL TABLE INDEX')
    // Trigram has nothing to match a 2-character word with: LIKE scans, with the same answer.
    expect(await planOf('中国')).not.toContain('VIRTUAL TABLE')
  })
})
