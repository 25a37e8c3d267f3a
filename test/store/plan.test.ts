import { describe, expect, it } from '@jest/globals'

import {
  planItem,
  planPost,
  type ExistingPost,
  type ItemIdentity,
  type PollingSource,
} from '../../src/store/plan'

/**
 * The store's ownership rule, as a table: which post a feed item may write, and what it reports
 * for every other post its keys match (issue 19, item 1).
 */

const T0 = '2026-12-01T10:00:00.000Z'
const LATER = '2026-12-01T11:00:00.000Z'
const OURS = 7
const THEIRS = 8

/** A post ingest (or the importer) made and nobody touched since. */
const made = (over: Partial<ExistingPost> = {}): ExistingPost => ({
  id: 1,
  slug: 'a-post',
  sourceUrl: 'https://news.example/a?rss=1',
  urlKey: '//news.example/a?rss=1',
  sourceId: OURS,
  status: 'draft',
  editorialState: 'in_review',
  contentHash: 'old',
  importRun: 'ingest:2026-12-01T10:00:00.000Z',
  importedAt: T0,
  updatedAt: T0,
  versionUpdatedAt: T0,
  ...over,
})

const item: ItemIdentity = {
  urlKey: '//news.example/a?rss=1',
  archiveKey: 'https://news.example/a',
}
const inReview: PollingSource = { id: OURS, arrivesAs: 'in_review', publishedChanges: 'review' }
const atOnce: PollingSource = { id: OURS, arrivesAs: 'published', publishedChanges: 'review' }
const keeps: PollingSource = { id: OURS, arrivesAs: 'in_review', publishedChanges: 'keep' }

type Case = {
  name: string
  candidates: ExistingPost[]
  item?: ItemIdentity
  source?: PollingSource
  hash?: string
  expected: { action: string; id?: number; asDraftForReview?: boolean; reason?: RegExp }
}

const cases: Case[] = [
  { name: 'nothing matches: create', candidates: [], expected: { action: 'create' } },
  {
    name: 'its own unedited post, changed upstream: update',
    candidates: [made()],
    expected: { action: 'update', id: 1 },
  },
  {
    name: 'its own post, same item as last time: unchanged',
    candidates: [made()],
    hash: 'old',
    expected: { action: 'unchanged', id: 1 },
  },
  {
    name: 'its own post edited by staff since: conflict',
    candidates: [made({ updatedAt: LATER })],
    expected: { action: 'conflict', id: 1, reason: /edited/ },
  },
  {
    name: 'its own post with a newer draft saved by staff: conflict',
    candidates: [made({ versionUpdatedAt: LATER })],
    expected: { action: 'conflict', id: 1 },
  },
  {
    name: 'a post of its source that staff made: conflict, never overwritten',
    candidates: [made({ contentHash: null, importRun: null, importedAt: null })],
    expected: { action: 'conflict', id: 1, reason: /not created by an import/ },
  },
  {
    name: "another source's ingested post (the hijack): duplicate naming it",
    candidates: [made({ id: 2, sourceId: THEIRS })],
    expected: { action: 'duplicate', id: 2, reason: /post 2 .*source 8/ },
  },
  {
    name: "another source's archive post, published (the hijack of issue 19): duplicate",
    candidates: [
      made({
        id: 3,
        sourceId: THEIRS,
        sourceUrl: 'https://news.example/a',
        urlKey: null,
        status: 'published',
        editorialState: 'approved',
        importRun: 'run-1',
      }),
    ],
    source: atOnce,
    expected: { action: 'duplicate', id: 3 },
  },
  {
    name: "another source's archive post, from a source whose items arrive in review: duplicate",
    candidates: [
      made({ id: 3, sourceId: THEIRS, status: 'published', editorialState: 'approved' }),
    ],
    expected: { action: 'duplicate', id: 3 },
  },
  {
    name: 'a post staff made with the same link, of no source: duplicate naming it',
    candidates: [made({ id: 4, sourceId: null, contentHash: null, importRun: null })],
    expected: { action: 'duplicate', id: 4, reason: /staff made/ },
  },
  {
    name: 'its own published archive post, source arrives in review: a draft for review, never unpublished',
    candidates: [made({ status: 'published', editorialState: 'approved' })],
    expected: { action: 'update', id: 1, asDraftForReview: true },
  },
  {
    name: 'its own approved post, source arrives in review: a draft for review',
    candidates: [made({ status: 'draft', editorialState: 'approved' })],
    expected: { action: 'update', id: 1, asDraftForReview: true },
  },
  {
    name: 'its own published post, source keeps published posts: conflict',
    candidates: [made({ status: 'published', editorialState: 'approved' })],
    source: keeps,
    expected: { action: 'conflict', id: 1, reason: /keeps such posts/ },
  },
  {
    name: 'its own published post, source publishes at once: update',
    candidates: [made({ status: 'published', editorialState: 'approved' })],
    source: atOnce,
    expected: { action: 'update', id: 1 },
  },
  {
    name: 'a podcast item with its own guid whose link its other items share: create',
    candidates: [made({ guid: 'episode-1' })],
    item: { ...item, guid: 'episode-2' },
    expected: { action: 'create' },
  },
  {
    name: 'a podcast item found by its guid: its own post',
    candidates: [made({ id: 5, guid: 'episode-1' }), made({ id: 6, guid: 'episode-2' })],
    item: { ...item, guid: 'episode-2' },
    expected: { action: 'update', id: 6 },
  },
  {
    name: 'an item with a guid whose own post has none yet (an archive post): that post',
    candidates: [made({ guid: null })],
    item: { ...item, guid: 'g-1' },
    expected: { action: 'update', id: 1 },
  },
  {
    name: 'own post and another source both match: its own post wins',
    candidates: [made({ id: 2, sourceId: THEIRS }), made({ id: 1 })],
    expected: { action: 'update', id: 1 },
  },
  {
    name: 'a guid match of another source is not this item (guids are per source): create',
    candidates: [made({ id: 2, sourceId: THEIRS, guid: 'g-1', urlKey: '//other.example/x' })],
    item: { urlKey: '//news.example/new', guid: 'g-1' },
    expected: { action: 'create' },
  },
  {
    name: 'its own post without a version (an interrupted write): repaired',
    candidates: [made({ versionUpdatedAt: undefined, status: 'published' })],
    expected: { action: 'update', id: 1, reason: undefined },
  },
]

describe('the ownership rule: a feed item writes only its own source’s posts', () => {
  it.each(cases)('$name', ({ candidates, item: it_ = item, source = inReview, hash, expected }) => {
    const plan = planItem(candidates, it_, hash ?? 'new', source)
    expect(plan.action).toBe(expected.action)
    if (expected.id != null) expect('existing' in plan && plan.existing.id).toBe(expected.id)
    if (expected.asDraftForReview)
      expect(plan.action === 'update' && plan.asDraftForReview).toBe(true)
    else if (plan.action === 'update') expect(plan.asDraftForReview).toBeFalsy()
    if (expected.reason) expect('reason' in plan && plan.reason).toMatch(expected.reason)
  })
})

describe("the importer's rule for one archive file", () => {
  it.each([
    ['no post: create', undefined, 'h', 'create'],
    ['same file: unchanged', made({ contentHash: 'h' }), 'h', 'unchanged'],
    ['changed file: update', made(), 'h', 'update'],
    ['staff edit since: conflict', made({ updatedAt: LATER }), 'h', 'conflict'],
    ['made by staff: conflict', made({ contentHash: null, importRun: null }), 'h', 'conflict'],
    ['no version: repaired', made({ versionUpdatedAt: undefined }), 'old', 'update'],
  ] as const)('%s', (_name, existing, hash, action) => {
    expect(planPost(existing, hash).action).toBe(action)
  })
})
