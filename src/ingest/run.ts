import type { Payload, Where } from 'payload'

import { WorkerJobError } from '../importer/pool'
import type { TransformResult } from '../importer/transform'
import type { PostDraft } from '../store/draft'
import { archiveKey, hostOf, isKnownHost, matchKey, planItem, type PollingSource } from '../store'
import type { FoundPost } from '../store/lookup'
import { lookupPosts } from '../store/lookup'
import { FetchError, fetchUrl, mapLimit, type FetchOptions } from './client'
import { DEFAULT_POLL_MINUTES } from '../../collections/Sources/ingestFields'
import { POSTS, SOURCES } from '../lib/slugs'
import { itemHash, toParsedFile } from './item'
import { loadItems, type ArrivesAs, type LoadEntry } from './load'
import {
  decodePage,
  FeedParseError,
  readFeedBytes,
  type FeedItem,
  type FeedRead,
} from '../feeds/parse'
import { settings } from '../config'
import { borrowIngestWorkers, ingestThreads, type WorkersLease } from './workers'

/**
 * One ingest run: poll the sources (the due ones, or those named), turn their items into the
 * importer's drafts, write them through `loadItems`, and record each source's health. Every item ends
 * in one report row, every source in one feed outcome; one broken feed never stops the others.
 */

export type IngestRowStatus =
  'created' | 'updated' | 'unchanged' | 'duplicate' | 'conflict' | 'failed'

/** The importer's row shape (`ImportRow`), plus the source the item came from. */
export type IngestRow = {
  /** `ingest/<source slug>/<guid or link>` (the feed itself for a feed-level failure). */
  file: string
  source: string
  status: IngestRowStatus
  id?: number | string
  sourceUrl?: string
  reason?: string
  warnings: string[]
  fidelity?: number
}

export type FeedOutcome = {
  source: string
  feedUrl?: string
  status: 'ok' | 'not-modified' | 'failed'
  httpStatus?: number
  items: number
  error?: string
  /** A feed read with trouble that lost nothing recoverable (cut off after its complete items). */
  warnings?: string[]
  nextPollAt?: string
}

export type IngestReport = {
  summary: {
    sources: number
    failedFeeds: number
    notModified: number
    items: number
    created: number
    updated: number
    unchanged: number
    duplicate: number
    conflict: number
    failed: number
    runId: string
    startedAt: string
    finishedAt: string
    durationMs: number
  }
  feeds: FeedOutcome[]
  rows: IngestRow[]
}

export type IngestOptions = {
  payload: Payload
  /** Poll these sources (by slug) now, due or not. @default every enabled source that is due */
  sources?: string[]
  /** @default () => new Date() */
  now?: () => Date
  /** Feeds fetched at once. @default INGEST_CONCURRENCY || 4 */
  concurrency?: number
  /**
   * Passed to every fetch (timeouts, limits). `allowPrivate` here lets every fetch of this run reach
   * a private address (tests and benches on one machine); the job and the CLI never set it. Sources
   * on a private network are an admin's per-source setting, `ingest.allowPrivateNetwork`.
   */
  fetch?: Omit<FetchOptions, 'etag' | 'lastModified' | 'accept'>
  /**
   * Worker threads that transform items (the importer's pool, kept by the process between runs:
   * ./workers.ts). @default 2, at most the machine's cores
   */
  threads?: number
  /** An item whose transform runs longer than this fails (its worker is stopped). @default 60 s */
  itemTimeoutMs?: number
}

/** The run's worker threads: items' transforms, and big feeds' parses. */
type Transformer = {
  item: (parsed: ReturnType<typeof toParsedFile>, hash: string) => Promise<TransformResult>
  feed: (body: Buffer, contentType: string | undefined, url: string) => Promise<FeedRead>
}

type SourceDoc = {
  id: number | string
  name: string
  slug?: string | null
  feedUrl?: string | null
  homepage?: string | null
  hostnames?: string[] | null
  ingest?: {
    enabled?: boolean | null
    intervalMinutes?: number | null
    arrivesAs?: ArrivesAs | null
    publishedChanges?: 'review' | 'keep' | null
    allowForeignHosts?: boolean | null
    defaultCategories?: (number | string | { id: number | string; name?: string })[] | null
    fetchFullArticle?: boolean | null
    allowPrivateNetwork?: boolean | null
  } | null
  ingestStatus?: {
    failureStreak?: number | null
    etag?: string | null
    lastModified?: string | null
    seen?: Record<string, string> | null
  } | null
}

/** An item on its way to the store: its row, what to write, and its key in the source's `seen`. */
type Candidate = { row: IngestRow; entry: LoadEntry; hash: string; key: string; urlKey: string }

type Polled = {
  source: SourceDoc
  outcome: FeedOutcome
  rows: IngestRow[]
  candidates: Candidate[]
  /** identity key -> hash of every item that ended settled (created/updated/unchanged) this poll. */
  seen?: Record<string, string>
  validators?: { etag?: string; lastModified?: string }
  retryAfterMs?: number
}

const DAY = 24 * 60 * 60 * 1000
/** Items of one source drafted at once (their transforms queue on the pool's threads). */
const DRAFTS_AT_ONCE = 4
const ITEM_TIMEOUT_MS = 60_000
/**
 * A feed up to this size is parsed on this thread (a few milliseconds; the caps are linear scans);
 * a bigger one on the pool's, so a 4 MB hostile feed never holds up a reader's request.
 */
const PARSE_HERE_BYTES = 256 * 1024
/** Drafts waiting to be written before a batch is written (bounds the memory of a first poll). */
const FLUSH_AT = 1000
/** The most items of one feed remembered as seen. */
const SEEN_LIMIT = 2000

const slugOf = (s: SourceDoc) => s.slug || String(s.id)

/** The next poll after a failure: the interval doubled per failure in a row, at most a day. */
export const backoffMs = (intervalMs: number, streak: number, retryAfterMs?: number): number => {
  const doubled = Math.min(intervalMs * 2 ** Math.min(streak, 16), DAY)
  return retryAfterMs != null ? Math.max(doubled, Math.min(retryAfterMs, 7 * DAY)) : doubled
}

/** The row reason of a conflict: a post staff edited, in ingest's words, else the importer's. */
const conflictReason = (plan: { cause: 'foreign' | 'edited'; reason: string }): string =>
  plan.cause === 'edited'
    ? 'the item changed upstream, but staff have edited the post: left as it is'
    : plan.reason

const sameContent = (draft: PostDraft, post: FoundPost, dated: boolean): boolean =>
  draft.title === post.title &&
  draft.contentHtml === (post.contentHtml ?? '') &&
  (!dated ||
    (draft.publishedAt ?? null) ===
      (post.publishedAt ? new Date(post.publishedAt).toISOString() : null))

const describeError = (err: unknown): string =>
  err instanceof FetchError || err instanceof FeedParseError
    ? err.message
    : err instanceof WorkerJobError
      ? `reading the feed on a worker: ${err.message}`
      : `unexpected: ${(err as Error)?.message ?? String(err)}`

/** Enabled sources with a feed whose next poll has come. */
const dueSources = (now: Date): Where => ({
  and: [
    { 'ingest.enabled': { equals: true } },
    { feedUrl: { exists: true } },
    {
      or: [
        { 'ingestStatus.nextPollAt': { exists: false } },
        { 'ingestStatus.nextPollAt': { less_than_equal: now.toISOString() } },
      ],
    },
  ],
})

/** How many sources a run started now would poll. */
export const countDueSources = async (payload: Payload, now = new Date()): Promise<number> =>
  (await payload.count({ collection: SOURCES, where: dueSources(now), overrideAccess: true }))
    .totalDocs

/** Finds the sources to poll: the named ones, or every enabled one whose next poll is due. */
const sourcesToPoll = async (
  payload: Payload,
  slugs: string[] | undefined,
  now: Date,
): Promise<{ sources: SourceDoc[]; missing: string[] }> => {
  const where: Where = slugs ? { slug: { in: slugs } } : dueSources(now)
  const res = await payload.find({
    collection: SOURCES,
    where,
    depth: 1,
    limit: 1000,
    pagination: false,
    overrideAccess: true,
    select: {
      name: true,
      slug: true,
      feedUrl: true,
      homepage: true,
      hostnames: true,
      ingest: true,
      ingestStatus: true,
    },
    populate: { categories: { name: true } },
  })
  const sources = res.docs as unknown as SourceDoc[]
  const found = new Set(sources.map((s) => s.slug))
  return { sources, missing: (slugs ?? []).filter((s) => !found.has(s)) }
}

/** An item with its identity, waiting for the store's plan. */
type Pending = {
  item: FeedItem
  link: string
  file: string
  /** The item's key in the source's `seen`: its guid when it has one of its own, else its link's. */
  key: string
  urlKey: string
  archiveKey?: string
  guid?: string
  hash: string
  row: IngestRow
}

/** The hosts a source's items may link to: its hostnames, its homepage's and its feed's. */
const knownHosts = (source: SourceDoc): string[] =>
  [...(source.hostnames ?? []), hostOf(source.homepage), hostOf(source.feedUrl)].filter(
    (h): h is string => !!h,
  )

/**
 * Each item's identity (its guid within the source when it is not a permalink, and its link's
 * keys) and hash; refuses items without a usable link or linking outside the source's hosts (unless
 * it allows them), reports the second item of one identity in the feed, and settles the items the
 * source saw exactly so last time.
 */
const identifyItems = (
  source: SourceDoc,
  items: FeedItem[],
  previous: Record<string, string>,
  seen: Record<string, string>,
  rows: IngestRow[],
): Pending[] => {
  const slug = slugOf(source)
  const hosts = knownHosts(source)
  const byKey = new Map<string, string>()
  const pending: Pending[] = []
  for (const item of items) {
    const file = `ingest/${slug}/${item.guid ?? item.link ?? item.title}`
    const link = item.link?.trim()
    const urlKey = matchKey(link)
    const row: IngestRow = { file, source: slug, status: 'failed', sourceUrl: link, warnings: [] }
    if (!link || !urlKey) {
      row.reason = link
        ? `no usable article URL: "${link.slice(0, 200)}" is not an http(s) URL`
        : 'no article URL: the item has no link and no permalink guid'
      rows.push(row)
      continue
    }
    const host = hostOf(link)!
    if (!source.ingest?.allowForeignHosts && !isKnownHost(host, hosts)) {
      rows.push({
        ...row,
        reason: `the item links to ${host}, which is not one of the source's hosts (${hosts.join(', ') || 'none'}); add it to the source's hostnames, or let the source accept items that link to other sites`,
      })
      continue
    }
    // The guid names the item within its source unless it is the item's own link: a permalink guid
    // that differs from the link names it too (podcasts link every episode to the show's page).
    const guidText = item.guid?.trim()
    const guid =
      guidText && guidText !== link && (!item.guidIsPermaLink || matchKey(guidText) !== urlKey)
        ? guidText
        : undefined
    const key = guid ? `guid:${guid}` : urlKey
    const first = byKey.get(key)
    if (first) {
      rows.push({
        ...row,
        status: 'duplicate',
        reason: `the same item as "${first}", which was kept`,
      })
      continue
    }
    byKey.set(key, file)
    const hash = itemHash(item, link, source.name)
    if (previous[key] === hash) {
      seen[key] = hash
      rows.push({ ...row, status: 'unchanged' })
      continue
    }
    pending.push({ item, link, file, key, urlKey, archiveKey: archiveKey(link), guid, hash, row })
  }
  return pending
}

/** The posts an item's keys match among those found. */
const matching = (found: FoundPost[], p: Pending, source: SourceDoc): FoundPost[] =>
  found.filter(
    (post) =>
      post.urlKey === p.urlKey ||
      (!!p.archiveKey && post.sourceUrl === p.archiveKey) ||
      (!!p.guid &&
        post.guid === p.guid &&
        post.sourceId != null &&
        String(post.sourceId) === String(source.id)),
  )

/**
 * The importer's draft of an item: its article page fetched first when the feed has only a summary
 * and the source asks for it; the link as the feed wrote it; the source's categories; an undated item
 * keeps the date its post was first seen with.
 */
const draftItem = async (
  p: Pending,
  source: SourceDoc,
  post: FoundPost | undefined,
  categories: string[],
  now: Date,
  fetchOptions: IngestOptions['fetch'],
  transform: Transformer,
): Promise<TransformResult> => {
  let page: string | undefined
  if (!p.item.content && source.ingest?.fetchFullArticle) {
    const res = await fetchUrl(p.link, {
      ...fetchOptions,
      // Article pages are what the feed links to: never the source's private-network exception.
      allowPrivate: fetchOptions?.allowPrivate === true,
      accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5',
    })
    if (res.status === 'ok') page = decodePage(res.body, res.contentType)
  }
  const parsed = toParsedFile({
    item: p.item,
    file: p.file,
    url: p.link,
    outlet: source.name,
    page,
    seenAt: now,
  })
  const result = await transform.item(parsed, p.hash)
  if (!result.ok) return result
  const draft = result.draft
  // The link exactly as the feed wrote it; the store keeps its matching key beside it.
  draft.sourceUrl = p.link
  draft.categories = [...new Set([...draft.categories, ...categories])]
  if (p.item.published == null && post?.publishedAt)
    draft.publishedAt = new Date(post.publishedAt).toISOString()
  return result
}

/**
 * Looks up the posts the items may match (indexed queries for exactly their keys), decides each
 * item by the store's ownership rule (`planItem`, before any page is fetched or transform run), and
 * turns the items to write into drafts.
 */
const planItems = async (
  payload: Payload,
  source: SourceDoc,
  pending: Pending[],
  rows: IngestRow[],
  seen: Record<string, string>,
  now: Date,
  fetchOptions: IngestOptions['fetch'],
  transform: Transformer,
): Promise<Candidate[]> => {
  if (pending.length === 0) return []
  const guids = pending.flatMap((p) => p.guid ?? [])
  const found = await lookupPosts(
    payload,
    {
      matchKeys: pending.map((p) => p.urlKey),
      archiveKeys: pending.flatMap((p) => p.archiveKey ?? []),
      guids: guids.length ? { source: source.id, guids } : undefined,
    },
    { withText: true },
  )
  const settingsOf = sourceSettings(source)
  // Decided first (pure, before any page is fetched or transform run); the items to write are then
  // drafted a few at a time, their transforms on the pool's threads.
  const toDraft = decideItems(source, pending, found, settingsOf.polling, rows, seen)
  const drafted = await mapLimit(toDraft, DRAFTS_AT_ONCE, (item) =>
    draftCandidate(payload, source, item, settingsOf, rows, seen, now, fetchOptions, transform),
  )
  // In feed order (the order slugs are given in).
  return drafted.filter((c): c is Candidate => !!c)
}

type ToDraft = {
  p: Pending
  plan: ReturnType<typeof planItem> & { action: 'create' | 'update' }
}

/** What a source's settings say about the items it brings. */
const sourceSettings = (source: SourceDoc) => {
  const categories = (source.ingest?.defaultCategories ?? [])
    .map((c) => (typeof c === 'object' ? c.name : undefined))
    .filter((n): n is string => !!n)
  const arrivesAs: ArrivesAs = source.ingest?.arrivesAs === 'published' ? 'published' : 'in_review'
  const polling: PollingSource = {
    id: source.id,
    arrivesAs,
    publishedChanges: source.ingest?.publishedChanges === 'keep' ? 'keep' : 'review',
  }
  return { categories, arrivesAs, polling }
}

/**
 * The store's plan for each item (pure): unchanged, conflict and duplicate items get their row here;
 * the items to create or update are returned, to be drafted.
 */
const decideItems = (
  source: SourceDoc,
  pending: Pending[],
  found: FoundPost[],
  polling: PollingSource,
  rows: IngestRow[],
  seen: Record<string, string>,
): ToDraft[] => {
  const toDraft: ToDraft[] = []
  for (const p of pending) {
    const { row } = p
    const plan = planItem(
      matching(found, p, source),
      { guid: p.guid, urlKey: p.urlKey, archiveKey: p.archiveKey },
      p.hash,
      polling,
    )
    if (plan.action === 'unchanged') {
      seen[p.key] = p.hash
      rows.push({ ...row, status: 'unchanged', id: plan.existing.id })
    } else if (plan.action === 'conflict' || plan.action === 'duplicate') {
      rows.push({
        ...row,
        status: plan.action,
        id: plan.existing.id,
        reason: plan.action === 'conflict' ? conflictReason(plan) : plan.reason,
      })
    } else toDraft.push({ p, plan })
  }
  return toDraft
}

/** One item to write, drafted (its transform on the pool): a candidate for the writer, or a row. */
const draftCandidate = async (
  payload: Payload,
  source: SourceDoc,
  { p, plan }: ToDraft,
  { categories, arrivesAs }: ReturnType<typeof sourceSettings>,
  rows: IngestRow[],
  seen: Record<string, string>,
  now: Date,
  fetchOptions: IngestOptions['fetch'],
  transform: Transformer,
): Promise<Candidate | undefined> => {
  const { row } = p
  try {
    const post = plan.action === 'update' ? (plan.existing as FoundPost) : undefined
    const made = await draftItem(p, source, post, categories, now, fetchOptions, transform)
    if (!made.ok) {
      rows.push({ ...row, reason: made.reason, warnings: made.warnings })
      return undefined
    }
    const { draft } = made
    const base = { ...row, fidelity: draft.fidelity, warnings: draft.warnings }
    // Already in the archive with the same text (another file, so another hash): never rewritten.
    if (post && sameContent(draft, post, p.item.published != null)) {
      seen[p.key] = p.hash
      rows.push({ ...base, status: 'unchanged', id: post.id })
      return undefined
    }
    const candidate: Candidate = {
      row: base,
      entry: {
        draft,
        arrivesAs,
        plan,
        context: { source: source.id, guid: p.guid, matchUrl: p.urlKey, authorsOfSource: true },
      },
      hash: p.hash,
      key: p.key,
      urlKey: p.urlKey,
    }
    return candidate
  } catch (err) {
    if (!(err instanceof FetchError) && !(err instanceof WorkerJobError))
      payload.logger.error({ err, msg: `ingest: ${p.file} failed` })
    rows.push({
      ...row,
      reason:
        err instanceof FetchError
          ? `fetching the article page ${err.details.url}: ${err.message}`
          : err instanceof WorkerJobError
            ? `transform failed: ${err.message}`
            : describeError(err),
    })
    return undefined
  }
}

/**
 * The feed's items (parsed here when small, else on the pool). Items over the caps (parse.ts,
 * limits.ts) end in a failed row with their reason; a damaged feed that kept its complete items is
 * read, with a warning for the source's health.
 */
const readItems = async (
  fetched: { body: Buffer; contentType?: string; url: string },
  slug: string,
  rows: IngestRow[],
  outcome: FeedOutcome,
  transform: Transformer,
): Promise<FeedItem[]> => {
  const read =
    fetched.body.length <= PARSE_HERE_BYTES
      ? readFeedBytes(fetched.body, fetched.contentType, fetched.url)
      : await transform.feed(fetched.body, fetched.contentType, fetched.url)
  if (!read.ok) throw new FeedParseError(read.reason)
  const parsed = read.feed
  for (const r of parsed.refused)
    rows.push({
      file: `ingest/${slug}/${r.guid ?? r.link ?? r.title ?? 'item'}`,
      source: slug,
      status: 'failed',
      sourceUrl: r.link,
      reason: r.reason,
      warnings: [],
    })
  outcome.warnings = parsed.warnings
  return parsed.items
}

/** Fetches, parses and decides one source's items; writes nothing. */
const pollSource = async (
  payload: Payload,
  source: SourceDoc,
  now: Date,
  fetchOptions: IngestOptions['fetch'],
  transform: Transformer,
): Promise<Polled> => {
  const slug = slugOf(source)
  const feedUrl = source.feedUrl?.trim()
  const rows: IngestRow[] = []
  const outcome: FeedOutcome = { source: slug, feedUrl, status: 'failed', items: 0 }
  const feedRow = (reason: string): IngestRow => ({
    file: `ingest/${slug}`,
    source: slug,
    status: 'failed',
    reason,
    warnings: [],
  })
  if (!feedUrl) {
    outcome.error = 'the source has no feed URL'
    return { source, outcome, rows: [feedRow(outcome.error)], candidates: [] }
  }
  const status = source.ingestStatus ?? {}
  let fetched
  try {
    fetched = await fetchUrl(feedUrl, {
      ...fetchOptions,
      // An admin's per-source exception, for the feed URL's host only (client.ts).
      allowPrivate:
        fetchOptions?.allowPrivate === true || source.ingest?.allowPrivateNetwork === true,
      etag: status.etag,
      lastModified: status.lastModified,
    })
  } catch (err) {
    outcome.error = describeError(err)
    outcome.httpStatus = err instanceof FetchError ? err.details.httpStatus : undefined
    return {
      source,
      outcome,
      rows: [feedRow(`fetching ${feedUrl}: ${outcome.error}`)],
      candidates: [],
      retryAfterMs: err instanceof FetchError ? err.details.retryAfterMs : undefined,
    }
  }
  if (fetched.status === 'not-modified') {
    outcome.status = 'not-modified'
    outcome.httpStatus = 304
    return { source, outcome, rows, candidates: [] }
  }
  outcome.httpStatus = 200
  let items: FeedItem[]
  try {
    items = await readItems(fetched, slug, rows, outcome, transform)
  } catch (err) {
    outcome.error = describeError(err)
    return { source, outcome, rows: [feedRow(outcome.error)], candidates: [] }
  }
  outcome.status = 'ok'
  outcome.items = items.length + rows.length
  const validators = { etag: fetched.etag, lastModified: fetched.lastModified }

  const previous = status.seen ?? {}
  const seen: Record<string, string> = {}
  const pending = identifyItems(source, items, previous, seen, rows)
  const candidates = await planItems(
    payload,
    source,
    pending,
    rows,
    seen,
    now,
    fetchOptions,
    transform,
  )
  return { source, outcome, rows, candidates, seen, validators }
}

/** Polls sources and ingests their items. See the module comment. */
export const runIngest = async (options: IngestOptions): Promise<IngestReport> => {
  const { payload } = options
  const clock = options.now ?? (() => new Date())
  const started = clock()
  const runId = `ingest:${started.toISOString()}`
  const { sources, missing } = await sourcesToPoll(payload, options.sources, started)
  const limit = options.concurrency ?? settings().ingestConcurrency
  // Items are transformed on worker threads, never on this one (it serves readers): a hostile item
  // costs a worker's time and fails alone. The run borrows the process's pool at its first item to
  // transform (an unchanged poll borrows none); the pool outlives the run (./workers.ts).
  const threads = ingestThreads(options.threads)
  let lease: WorkersLease | undefined
  const timeout = options.itemTimeoutMs ?? ITEM_TIMEOUT_MS
  const workers = () => (lease ??= borrowIngestWorkers(threads)).pool
  const transform: Transformer = {
    item: async (parsed, hash) => (await workers()).transformItem(parsed, hash, timeout),
    feed: async (body, contentType, url) =>
      (await workers()).parseFeed(body, contentType, url, timeout),
  }
  try {
    return await ingestSources(
      payload,
      options,
      sources,
      missing,
      limit,
      started,
      runId,
      clock,
      transform,
    )
  } finally {
    lease?.release()
  }
}

const ingestSources = async (
  payload: Payload,
  options: IngestOptions,
  sources: SourceDoc[],
  missing: string[],
  limit: number,
  started: Date,
  runId: string,
  clock: () => Date,
  transform: Transformer,
): Promise<IngestReport> => {
  // Drafts are written in batches as sources finish, so a first poll of many big feeds holds at most
  // about FLUSH_AT drafts in memory; one batch (one loader) on an ordinary run.
  // One article carried by two sources is one post: the first source to finish keeps it (items of
  // one source that share a link, with guids of their own, are different items).
  const claimed = new Map<string, { source: string; file: string }>()
  let queue: { polled: Polled; candidate: Candidate }[] = []
  const flush = async () => {
    const batch = queue
    queue = []
    if (batch.length === 0) return
    const outcomes = await loadItems(
      payload,
      batch.map((t) => t.candidate.entry),
      { runId },
    )
    batch.forEach(({ polled: p, candidate: c }, i) => {
      const o = outcomes[i]
      if (o.status === 'failed') {
        p.rows.push({ ...c.row, status: 'failed', reason: o.reason })
      } else {
        p.rows.push({ ...c.row, status: o.status, id: o.id })
        if (p.seen) p.seen[c.key] = c.hash
      }
    })
  }
  let writing = Promise.resolve()

  const polled = await mapLimit(sources, limit, async (source) => {
    let p: Polled
    try {
      p = await pollSource(payload, source, started, options.fetch, transform)
    } catch (err) {
      payload.logger.error({ err, msg: `ingest: polling ${slugOf(source)} failed` })
      p = failedPoll(source, describeError(err))
    }
    for (const c of p.candidates) {
      const owner = claimed.get(c.urlKey)
      if (owner && owner.source !== c.row.source) {
        p.rows.push({
          ...c.row,
          status: 'duplicate',
          reason: `same article URL as "${owner.file}", which was kept`,
        })
        continue
      }
      claimed.set(c.urlKey, { source: c.row.source, file: c.row.file })
      queue.push({ polled: p, candidate: c })
    }
    p.candidates = []
    if (queue.length >= FLUSH_AT) {
      // Batches are written one after another, never two loaders at once.
      writing = writing.then(flush)
      await writing
    }
    return p
  })
  writing = writing.then(flush)
  await writing

  const finished = clock()
  for (const p of polled) await recordHealth(payload, p, finished)
  return reportOf(missing, polled, runId, started)
}

/** A source whose poll failed as a whole: its one failed row. */
const failedPoll = (source: SourceDoc, reason: string): Polled => {
  const slug = slugOf(source)
  return {
    source,
    outcome: {
      source: slug,
      feedUrl: source.feedUrl ?? undefined,
      status: 'failed',
      items: 0,
      error: reason,
    },
    rows: [{ file: `ingest/${slug}`, source: slug, status: 'failed', reason, warnings: [] }],
    candidates: [],
  }
}

/** The run's report: a row per item (and per missing or failed source), a line per feed. */
const reportOf = (
  missing: string[],
  polled: Polled[],
  runId: string,
  started: Date,
): IngestReport => {
  const rows = [
    ...missing.map((slug): IngestRow => ({
      file: `ingest/${slug}`,
      source: slug,
      status: 'failed',
      reason: `no source with the slug "${slug}"`,
      warnings: [],
    })),
    ...polled.flatMap((p) => p.rows),
  ]
  const feeds = [
    ...missing.map((slug): FeedOutcome => ({
      source: slug,
      status: 'failed',
      items: 0,
      error: 'no such source',
    })),
    ...polled.map((p) => p.outcome),
  ]
  const count = (s: IngestRowStatus) => rows.filter((r) => r.status === s).length
  const done = new Date()
  return {
    summary: {
      sources: feeds.length,
      failedFeeds: feeds.filter((f) => f.status === 'failed').length,
      notModified: feeds.filter((f) => f.status === 'not-modified').length,
      items: feeds.reduce((n, f) => n + f.items, 0),
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      duplicate: count('duplicate'),
      conflict: count('conflict'),
      failed: count('failed'),
      runId,
      startedAt: started.toISOString(),
      finishedAt: done.toISOString(),
      durationMs: done.getTime() - started.getTime(),
    },
    feeds,
    rows,
  }
}

/** Writes the source's health and poll state: one update per polled source. */
const recordHealth = async (payload: Payload, p: Polled, now: Date) => {
  const { source, outcome } = p
  const intervalMs = Math.max(1, source.ingest?.intervalMinutes ?? DEFAULT_POLL_MINUTES) * 60_000
  const previousStreak = source.ingestStatus?.failureStreak ?? 0
  const data: Record<string, unknown> = { lastPolledAt: now.toISOString() }
  if (outcome.status === 'failed') {
    const streak = previousStreak + 1
    data.failureStreak = streak
    data.lastError = `${now.toISOString()}: ${outcome.error ?? 'failed'}`
    data.nextPollAt = new Date(
      now.getTime() + backoffMs(intervalMs, streak, p.retryAfterMs),
    ).toISOString()
  } else {
    // The feed was read; items that could not be brought in are worth an editor's look all the same.
    const failedItems = p.rows.filter((r) => r.status === 'failed' || r.status === 'conflict')
    const notes = [
      ...(outcome.warnings ?? []),
      ...(failedItems.length
        ? [
            `${failedItems.length} item(s) not brought in, e.g. ${failedItems[0].file}: ${failedItems[0].reason}`,
          ]
        : []),
    ]
    if (notes.length) data.lastError = `${now.toISOString()}: ${notes.join('; ')}`
    data.failureStreak = 0
    data.lastSuccessAt = now.toISOString()
    data.nextPollAt = new Date(now.getTime() + intervalMs).toISOString()
    if (outcome.status === 'ok') {
      data.etag = p.validators?.etag ?? null
      data.lastModified = p.validators?.lastModified ?? null
      data.seen = Object.fromEntries(Object.entries(p.seen ?? {}).slice(0, SEEN_LIMIT))
    }
  }
  const since = new Date(now.getTime() - DAY).toISOString()
  const recent = await payload.count({
    collection: POSTS,
    where: {
      and: [
        { source: { equals: source.id } },
        { 'provenance.importRun': { like: 'ingest:' } },
        { createdAt: { greater_than: since } },
      ],
    },
    overrideAccess: true,
  })
  data.itemsLast24h = recent.totalDocs
  outcome.nextPollAt = data.nextPollAt as string
  const current = (source.ingestStatus ?? {}) as Record<string, unknown>
  await payload.db.updateOne({
    collection: SOURCES,
    id: source.id,
    data: { ingestStatus: { ...current, ...data } },
    returning: false,
  })
}
