import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { graphql } from '../helpers/server'
import type { RunningServer } from '../../src/server'
import { startDeliveryServer, TRICKY_TITLE, type DeliveryFixture } from './fixtures'

let server: RunningServer
let fx: DeliveryFixture
let staffAuth: string

const LIST = `query List($where: Post_where, $draft: Boolean) {
  Posts(where: $where, draft: $draft, limit: 20, sort: "-publishedAt") {
    totalDocs
    docs {
      title slug contentHtml excerpt publishedAt tags
      authors { name slug }
      categories { name slug }
      source { name slug }
      attribution { outlet outletSlug sourceUrl licence }
    }
  }
}`

beforeAll(async () => {
  ;({ server, fx, staffAuth } = await startDeliveryServer())
})
afterAll(async () => {
  await server?.close()
})

describe('anonymous GraphQL reads', () => {
  it('list only published and due posts with every delivered field and the attribution', async () => {
    const { status, body } = await graphql(server.url, LIST)
    expect(status).toBe(200)
    expect(body.errors).toBeUndefined()
    expect(body.data.Posts.docs.map((d: { title: string }) => d.title)).toEqual([
      '已发布的版本',
      '外交新闻',
      TRICKY_TITLE,
    ])
    expect(body.data.Posts.docs[2]).toMatchObject({
      slug: 'att-china',
      contentHtml: expect.stringContaining('AT&amp;T'),
      tags: ['经济', 'R&D <研发>'],
      authors: [{ name: '王小明', slug: 'wang' }],
      categories: [{ name: '中国', slug: 'china' }],
      source: { name: '法广 RFI', slug: 'rfi' },
      attribution: {
        outlet: '法广 RFI',
        outletSlug: 'rfi',
        sourceUrl: 'https://www.rfi.fr/cn/a?x=1&y=2',
        licence: '© RFI — 转载须注明出处 & 链接',
      },
    })
  })

  it('get the Lexical JSON when they ask for it, but never a staff-only field', async () => {
    const query = `query { Posts(where: { slug: { equals: "att-china" } }) { docs { title content editorialState review { flagged } provenance { archiveFile } } } }`
    const { body } = await graphql(server.url, query)
    const [post] = body.data.Posts.docs
    expect(post.title).toBe(TRICKY_TITLE)
    expect(post.content.root.children.length).toBeGreaterThan(0)
    expect(post.editorialState).toBeNull()
    // A group the reader may not read comes back empty.
    expect(post.review?.flagged ?? null).toBeNull()
    expect(post.provenance?.archiveFile ?? null).toBeNull()
    const staffView = await graphql(server.url, query, {}, staffAuth)
    expect(staffView.body.data.Posts.docs[0]).toMatchObject({
      editorialState: 'approved',
      review: { flagged: false },
    })
  })

  it('filter by source', async () => {
    // GraphQL's Post_where has no relationship paths (source.slug): filter by the source's id.
    const { body } = await graphql(server.url, LIST, {
      where: { source: { equals: fx.zaobao.id } },
    })
    expect(body.errors).toBeUndefined()
    expect(body.data.Posts.docs.map((d: { title: string }) => d.title)).toEqual(['外交新闻'])
  })

  it('filter by source slug, category slug, tag and date range with DeliveredPosts', async () => {
    const query = `query ($source: String, $category: String, $tag: String, $from: String, $to: String) {
      DeliveredPosts(source: $source, category: $category, tag: $tag, publishedFrom: $from, publishedTo: $to) {
        totalDocs docs { title source { slug } attribution { outlet } }
      }
    }`
    const titlesFor = async (variables: Record<string, string>) => {
      const { body } = await graphql(server.url, query, variables)
      expect(body.errors).toBeUndefined()
      return body.data.DeliveredPosts.docs.map((d: { title: string }) => d.title)
    }
    expect(await titlesFor({})).toEqual(['已发布的版本', '外交新闻', TRICKY_TITLE])
    expect(await titlesFor({ source: 'rfi' })).toEqual(['已发布的版本', TRICKY_TITLE])
    expect(await titlesFor({ category: 'china' })).toEqual([TRICKY_TITLE])
    expect(await titlesFor({ tag: '外交' })).toEqual(['外交新闻'])
    expect(await titlesFor({ from: '2026-02-01T00:00:00Z', to: '2026-04-01T00:00:00Z' })).toEqual([
      '外交新闻',
    ])
    // Signed in or not, DeliveredPosts is what readers see.
    const staff = await graphql(server.url, query, {}, staffAuth)
    expect(JSON.stringify(staff.body)).not.toMatch(/SECRET|EMBARGOED/)
  })

  it('never see drafts, revisions or embargoed posts, even with draft: true', async () => {
    const { body } = await graphql(server.url, LIST, { draft: true })
    expect(JSON.stringify(body)).not.toMatch(/SECRET|EMBARGOED/)
    const one = await graphql(
      server.url,
      `
        query ($id: Int!) {
          Post(id: $id, draft: true) {
            title
          }
        }
      `,
      { id: fx.p4.id },
    )
    expect(JSON.stringify(one.body)).not.toMatch(/SECRET/)
    expect(one.body.errors?.[0]?.message).toMatch(/not found|forbidden|not allowed/i)
  })

  it('are refused versions', async () => {
    const { body } = await graphql(
      server.url,
      `
        {
          versionsPosts {
            docs {
              version {
                title
              }
            }
          }
        }
      `,
    )
    expect(JSON.stringify(body.data ?? {})).not.toMatch(/SECRET/)
    expect(body.errors?.[0]?.message).toMatch(/not allowed/i)
  })

  it('while staff read drafts and versions', async () => {
    const { body } = await graphql(server.url, LIST, { draft: true }, staffAuth)
    expect(body.data.Posts.docs.map((d: { title: string }) => d.title)).toContain(
      'SECRET REVISION not yet published',
    )
    const versions = await graphql(
      server.url,
      `
        {
          versionsPosts {
            totalDocs
          }
        }
      `,
      {},
      staffAuth,
    )
    expect(versions.body.data.versionsPosts.totalDocs).toBeGreaterThan(0)
  })
})

describe('GraphQL and the microcache', () => {
  const post = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    })

  it('shares a repeated anonymous query, and a write shows at once', async () => {
    const query = `{ Posts(limit: 1, sort: "slug") { docs { slug excerpt } } }`
    const first = await post(query)
    const second = await post(query)
    expect(first.headers.get('x-delivery-cache')).toBe('miss')
    expect(second.headers.get('x-delivery-cache')).toBe('hit')
    expect(second.headers.get('cache-control')).toBe('no-store')
    const before = (await second.json()) as {
      data: { Posts: { docs: { slug: string; excerpt: string }[] } }
    }
    expect(before.data.Posts.docs[0]!.slug).toBe('att-china')
    await server.payload.update({
      collection: 'posts',
      id: fx.p1.id,
      data: { excerpt: 'GraphQL 看到的新摘要' },
    })
    const after = (await (await post(query)).json()) as typeof before
    expect(after.data.Posts.docs[0]!.excerpt).toBe('GraphQL 看到的新摘要')
  })

  it('never caches a mutation, a query with errors or a signed-in request', async () => {
    const mutation = `mutation { createPost(data: { title: "anonymous" }) { id } }`
    for (let i = 0; i < 2; i++) {
      const res = await post(mutation)
      expect(res.headers.get('x-delivery-cache')).toBeNull()
      expect(((await res.json()) as { errors?: unknown[] }).errors).toBeDefined()
    }
    const refused = `{ versionsPosts { totalDocs } }`
    await post(refused)
    expect((await post(refused)).headers.get('x-delivery-cache')).toBe('miss')
    const signedIn = await post(`{ Posts { totalDocs } }`, { authorization: staffAuth })
    expect(signedIn.headers.get('x-delivery-cache')).toBeNull()
    expect(signedIn.headers.get('cache-control')).toBe('private, no-store')
  })
})

describe('GraphQL limits', () => {
  it('refuse a deep query with a clear error, before running it', async () => {
    const deep = `{ Posts { docs { title authors { name posts { docs { title authors { name posts { docs { title
      categories { name posts { docs { title source { name posts { docs { title authors { name } } } } } } } } } } } } } } } }`
    const { status, body } = await graphql(server.url, deep)
    // graphql-http answers a request that accepts application/json with 200 and no `data`.
    expect([200, 400]).toContain(status)
    expect(body.data).toBeUndefined()
    expect(body.errors?.[0]?.message).toMatch(/nested 16 levels deep; the maximum is 7/)
  })

  it('refuse a query over the complexity limit with a clear error, before running it', async () => {
    // Issue 11: 40 aliases of a list of 100 posts each; Payload's own estimate let it through.
    const wide = `{ ${Array.from({ length: 40 }, (_, i) => `p${i}: Posts(limit: 100) { docs { id contentHtml } }`).join(' ')} }`
    const { status, body } = await graphql(server.url, wide)
    // graphql-http answers a request that accepts application/json with 200 and no `data`.
    expect([200, 400]).toContain(status)
    expect(body.data).toBeUndefined()
    expect(body.errors?.[0]?.message).toMatch(
      /The query costs at least \d+; the maximum is 3000 \(GRAPHQL_MAX_COMPLEXITY\)/,
    )
  })

  it('run an ordinary list query well within both limits', async () => {
    const { body } = await graphql(
      server.url,
      `
        {
          Sources {
            docs {
              name
              posts(limit: 5) {
                docs {
                  title
                  authors {
                    name
                  }
                }
              }
            }
          }
        }
      `,
    )
    expect(body.errors).toBeUndefined()
  })

  it('refuse introspection and the playground in production unless configured on', async () => {
    // NODE_ENV is typed read-only; Payload reads it at request time, so a test may flip it.
    const env = process.env as Record<string, string | undefined>
    const previous = env.NODE_ENV
    env.NODE_ENV = 'production'
    try {
      const { body } = await graphql(server.url, '{ __schema { queryType { name } } }')
      expect(body.errors?.[0]?.message).toMatch(/introspection is not allowed/)
      const playground = await fetch(`${server.url}/api/graphql-playground`)
      expect(playground.status).toBe(404)
    } finally {
      env.NODE_ENV = previous
    }
    const { body } = await graphql(server.url, '{ __schema { queryType { name } } }')
    expect(body.data.__schema.queryType.name).toBe('Query')
  })
})
