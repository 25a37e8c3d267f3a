import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { fetchUrl, isPublicAddress } from '../../src/ingest/client'
import { runIngest } from '../../src/ingest/run'
import { bootPayload, createUser } from '../helpers/payload'
import { createSource } from './helpers'
import { rss, startFeedServer, type FeedServer } from './support'

describe('addresses that embed IPv4', () => {
  it('refuses IPv4-compatible IPv6 and every embedding of a private IPv4 address', () => {
    for (const a of [
      '::127.0.0.1', // IPv4-compatible (::/96), written the way a URL would carry it
      '::7f00:1',
      '::a00:1',
      '::8.8.8.8', // IPv4-compatible is deprecated: refused even for a public address
      '::ffff:127.0.0.1', // IPv4-mapped
      '::ffff:0:a00:1', // SIIT (rfc6145)
      '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
      '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
      '64:ff9b:1::a00:1', // local-use NAT64
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
      '2002:c0a8:101::1', // 6to4 of 192.168.1.1
      '2001::1', // Teredo
    ])
      expect([a, isPublicAddress(a)]).toEqual([a, false])
    for (const a of ['64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])
      expect([a, isPublicAddress(a)]).toEqual([a, true])
  })

  it('does not connect to [::127.0.0.1]', async () => {
    await expect(fetchUrl('http://[::127.0.0.1]:1/feed.xml')).rejects.toMatchObject({
      kind: 'blocked',
    })
    await expect(fetchUrl('http://[64:ff9b::7f00:1]:1/feed.xml')).rejects.toMatchObject({
      kind: 'blocked',
    })
  })
})

describe('a private network is allowed per source, for its feed URL only', () => {
  let server: FeedServer
  let payload: Payload
  beforeAll(async () => {
    server = await startFeedServer()
    server.serve('/healthz', '{"status":"ok","secret":"server health"}', {
      type: 'application/json',
      conditional: false,
    })
    payload = await bootPayload()
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await payload?.destroy()
  })

  it('is off by default, and when on covers the feed host and redirects that stay on it', async () => {
    server.serve('/feed.xml', '<rss version="2.0"/>', { conditional: false })
    server.route('/moved.xml', (_req, res) => res.writeHead(301, { location: '/feed.xml' }).end())
    await expect(fetchUrl(`${server.base}/feed.xml`)).rejects.toMatchObject({ kind: 'blocked' })
    expect((await fetchUrl(`${server.base}/moved.xml`, { allowPrivate: true })).status).toBe('ok')
  })

  it('never follows a redirect from the allowed feed host to another private host', async () => {
    const port = new URL(server.base).port
    server.route('/off-host.xml', (_req, res) =>
      res.writeHead(302, { location: `http://localhost:${port}/healthz` }).end(),
    )
    server.route('/off-host-ip.xml', (_req, res) =>
      res.writeHead(302, { location: `http://[::ffff:127.0.0.1]:${port}/healthz` }).end(),
    )
    const before = server.requestsTo('/healthz').length
    for (const path of ['/off-host.xml', '/off-host-ip.xml'])
      await expect(fetchUrl(`${server.base}${path}`, { allowPrivate: true })).rejects.toMatchObject(
        {
          kind: 'blocked',
        },
      )
    expect(server.requestsTo('/healthz')).toHaveLength(before)
  })

  it("never fetches a summary-only item's article page from a private address", async () => {
    // The feed is on the allowed private network; its item links to a page there that redirects
    // to the server's health endpoint.
    server.route('/story.html', (_req, res) => res.writeHead(302, { location: '/healthz' }).end())
    server.serve(
      '/summaries.xml',
      rss([
        {
          title: 'A story with a summary only',
          link: `${server.base}/story.html`,
          guid: `${server.base}/story.html`,
          published: Date.parse('2026-12-06T10:00:00Z'),
          summary: 'Only a summary.',
        },
      ]),
      { conditional: false },
    )
    const source = await createSource(payload, `${server.base}/summaries.xml`, {
      fetchFullArticle: true,
      arrivesAs: 'published',
    })
    const before = server.requestsTo('/story.html').length
    const report = await runIngest({ payload, sources: [source.slug!] })
    expect(report.feeds[0].status).toBe('ok')
    expect(report.rows).toEqual([
      expect.objectContaining({
        status: 'failed',
        reason: expect.stringMatching(/fetching the article page .*private\/loopback/),
      }),
    ])
    expect(server.requestsTo('/story.html')).toHaveLength(before)
    const leaked = await payload.find({
      collection: 'posts',
      where: { contentHtml: { like: 'server health' } },
      overrideAccess: true,
    })
    expect(leaked.totalDocs).toBe(0)
  })

  it('only an admin can set it', async () => {
    const source = await createSource(payload, `${server.base}/feed.xml`, {
      allowPrivateNetwork: false,
    })
    // The first account is always an admin: make it first.
    const admin = await createUser(payload, 'admin')
    const editor = await createUser(payload, 'editor')
    expect(editor.roles).toEqual(['editor'])
    await expect(
      payload.update({
        collection: 'sources',
        id: source.id,
        data: { ingest: { allowPrivateNetwork: true } } as never,
        user: editor,
        overrideAccess: false,
      }),
    ).rejects.toThrow()
    const updated = await payload.update({
      collection: 'sources',
      id: source.id,
      data: { ingest: { allowPrivateNetwork: true } } as never,
      user: admin,
      overrideAccess: false,
    })
    expect(updated.ingest?.allowPrivateNetwork).toBe(true)
  })
})
