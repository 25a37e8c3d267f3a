import { expect } from '@jest/globals'
import type { Payload } from 'payload'

import { parseFile } from '../../src/importer/parse'
import { transform } from '../../src/importer/transform'
import type { PostDraft } from '../../src/store/draft'
import { matchKey, normaliseUrl } from '../../src/store/identity'
import { articleHosts, type Article } from './support'

let n = 0

/**
 * A source with live ingest switched on, whose hosts are those of the articles the tests load; its
 * feed is served from this machine (a private address).
 */
export const createSource = async (
  payload: Payload,
  feedUrl: string,
  ingest: Record<string, unknown> = {},
  name = `Wire ${++n}`,
  hostnames: string[] = [...articleHosts],
) =>
  payload.create({
    collection: 'sources',
    data: {
      name,
      feedUrl,
      hostnames,
      ingest: {
        enabled: true,
        intervalMinutes: 15,
        arrivesAs: 'in_review',
        allowPrivateNetwork: true,
        ...ingest,
      },
    } as never,
    overrideAccess: true,
  })

/** The draft the archive importer gives an archive file. */
export const importerDraft = (raw: string, file: string): PostDraft => {
  const result = transform(parseFile(raw, file), raw)
  if (!result.ok) throw new Error(`the importer refuses ${file}: ${result.reason}`)
  return result.draft
}

export const postByUrl = async (payload: Payload, url: string) => {
  const res = await payload.find({
    collection: 'posts',
    where: {
      or: [
        { 'provenance.matchUrl': { equals: matchKey(url) } },
        { sourceUrl: { equals: normaliseUrl(url) } },
      ],
    },
    draft: true,
    depth: 0,
    overrideAccess: true,
  })
  return res.docs
}

const uploadIds = (node: { type?: string; value?: unknown; children?: unknown[] }): unknown[] => [
  ...(node.type === 'upload' ? [node.value] : []),
  ...(node.children ?? []).flatMap((c) => uploadIds(c as typeof node)),
]

/** The external URLs of the images a post shows, in order. */
export const imagesOf = async (payload: Payload, content: unknown): Promise<string[]> => {
  const ids = uploadIds((content as { root: never }).root)
  const urls: string[] = []
  for (const id of ids) {
    const media = await payload.findByID({
      collection: 'media',
      id: id as number,
      overrideAccess: true,
    })
    urls.push(String(media.externalUrl))
  }
  return urls
}

/** The stored post is what the importer makes of the article: text, HTML, images and date. */
export const expectSameAsImporter = async (
  payload: Payload,
  article: Article,
  expected?: PostDraft,
) => {
  const draft = expected ?? importerDraft(article.raw, article.file)
  const posts = await postByUrl(payload, article.url)
  expect(posts).toHaveLength(1)
  const post = posts[0]
  expect(post.title).toBe(draft.title)
  expect(post.contentHtml).toBe(draft.contentHtml)
  expect(post.excerpt).toBe(draft.excerpt)
  expect(post.publishedAt ? new Date(post.publishedAt).toISOString() : undefined).toBe(
    draft.publishedAt,
  )
  expect(post.review?.fidelity).toBe(draft.fidelity)
  expect(await imagesOf(payload, post.content)).toEqual(draft.images)
  return post
}
