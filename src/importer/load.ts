import type { Payload, PayloadRequest } from 'payload'
import { createLocalReq } from 'payload'

import { slugOrFallback } from '../lib/slug'
import { renderContentHtml } from '../richtext/html'
import type { LexState } from './lexical'
import { SqliteBulkWriter } from './sqliteBulk'
import type { PostDraft } from './transform'

/**
 * The load stage: the only one that writes. It works at the database adapter level
 * (`payload.db.*`, adapter-agnostic) in batched transactions, and itself does what the Posts hooks
 * would do (unique slug, contentHtml from the same renderer, excerpt, a `_posts_v` version with
 * `latest: true`), so the stored rows equal what `payload.create` stores, at a fraction of the cost.
 *
 * On SQLite, new docs go through `SqliteBulkWriter` instead: the same rows (laid out by the adapter's
 * own `transformForWrite`), buffered and inserted with multi-row INSERTs when a batch commits.
 * Updates, and every other adapter, use the adapter-level calls below.
 */

type Existing = {
  id: number | string
  contentHash?: string | null
  slug?: string | null
  importRun?: string | null
}
type Named = { id: number | string; hostnames?: string[] }

const PAGE = 5000

/** Reads every doc of a collection with a few fields, page by page. */
const readAll = async <T>(
  payload: Payload,
  collection: 'posts' | 'media' | 'sources' | 'authors' | 'categories',
  select: Record<string, unknown>,
  where?: Record<string, unknown>,
): Promise<T[]> => {
  const out: T[] = []
  for (let page = 1; ; page++) {
    const res = await payload.db.find({
      collection,
      limit: PAGE,
      page,
      pagination: true,
      select: select as never,
      sort: 'id',
      where: (where ?? {}) as never,
    })
    out.push(...(res.docs as T[]))
    if (!res.hasNextPage) break
  }
  return out
}

export class Loader {
  private postsByUrl = new Map<string, Existing>()
  private slugs = new Set<string>()
  private media = new Map<string, number | string>()
  private sources = new Map<string, Named>()
  private sourceHostsDirty = new Set<string>()
  private authors = new Map<string, number | string>()
  private categories = new Map<string, number | string>()
  private otherSlugs = {
    sources: new Set<string>(),
    authors: new Set<string>(),
    categories: new Set<string>(),
  }
  private req!: PayloadRequest
  private pending = 0
  private bulk?: SqliteBulkWriter

  constructor(
    private readonly payload: Payload,
    private readonly options: {
      status: 'draft' | 'published'
      runId: string
      batchSize?: number
      /** Write inside this request's transaction (a migration's) instead of batched own ones. */
      req?: PayloadRequest
      /** New docs through the SQLite bulk writer. @default true on SQLite (ignored elsewhere) */
      bulk?: boolean
      /** The editorial state of a post written as a draft (live ingest: `in_review`). @default 'draft' */
      draftState?: 'draft' | 'in_review'
    },
  ) {}

  /** Ids of the docs this run created, per collection (what a rollback of the run removes). */
  readonly created: Record<
    'posts' | 'media' | 'sources' | 'authors' | 'categories',
    (number | string)[]
  > = {
    posts: [],
    media: [],
    sources: [],
    authors: [],
    categories: [],
  }

  /** One query per collection: everything needed to decide create/update/unchanged in memory. */
  async prepare() {
    const posts = await readAll<{
      id: number
      sourceUrl?: string
      slug?: string
      provenance?: { contentHash?: string; importRun?: string }
    }>(this.payload, 'posts', {
      sourceUrl: true,
      slug: true,
      provenance: { contentHash: true, importRun: true },
    })
    for (const p of posts) {
      if (p.slug) this.slugs.add(p.slug)
      if (p.sourceUrl)
        this.postsByUrl.set(p.sourceUrl, {
          id: p.id,
          contentHash: p.provenance?.contentHash,
          slug: p.slug,
          importRun: p.provenance?.importRun,
        })
    }
    const media = await readAll<{ id: number; externalUrl?: string }>(
      this.payload,
      'media',
      { externalUrl: true },
      {
        externalUrl: { exists: true },
      },
    )
    for (const m of media) if (m.externalUrl) this.media.set(m.externalUrl, m.id)
    const sources = await readAll<{
      id: number
      name: string
      slug?: string
      hostnames?: string[]
    }>(this.payload, 'sources', {
      name: true,
      slug: true,
      hostnames: true,
    })
    for (const s of sources) {
      this.sources.set(s.name, { id: s.id, hostnames: s.hostnames ?? [] })
      if (s.slug) this.otherSlugs.sources.add(s.slug)
    }
    const authors = await readAll<{ id: number; name: string; slug?: string }>(
      this.payload,
      'authors',
      { name: true, slug: true },
    )
    for (const a of authors) {
      this.authors.set(a.name, a.id)
      if (a.slug) this.otherSlugs.authors.add(a.slug)
    }
    const categories = await readAll<{ id: number; name: string; slug?: string }>(
      this.payload,
      'categories',
      {
        name: true,
        slug: true,
      },
    )
    for (const c of categories) {
      this.categories.set(c.name, c.id)
      if (c.slug) this.otherSlugs.categories.add(c.slug)
    }
    if ((this.options.bulk ?? true) && SqliteBulkWriter.supported(this.payload)) {
      this.bulk = await new SqliteBulkWriter(this.payload, () => this.req).init()
    }
    await this.begin()
  }

  /** What a previous run stored for this URL. */
  existing(sourceUrl: string): Existing | undefined {
    return this.postsByUrl.get(sourceUrl)
  }

  private async begin() {
    if (this.options.req) {
      this.req = this.options.req
      return
    }
    this.req = await createLocalReq(
      { context: { contentHtmlRendered: true, importRun: this.options.runId } },
      this.payload,
    )
    const id = await this.payload.db.beginTransaction()
    if (id) this.req.transactionID = id
  }

  /** Commits the open batch (so an interrupted run keeps everything written so far). */
  async commit() {
    await this.bulk?.flush()
    if (this.options.req) {
      this.pending = 0
      return
    }
    if (this.req?.transactionID) await this.payload.db.commitTransaction(this.req.transactionID)
    this.pending = 0
    await this.begin()
  }

  async rollback() {
    this.bulk?.discard()
    if (this.options.req) return
    if (this.req?.transactionID) await this.payload.db.rollbackTransaction(this.req.transactionID)
  }

  private uniqueSlug(base: string, taken: Set<string>): string {
    let candidate = base
    for (let i = 2; taken.has(candidate); i++) candidate = `${base}-${i}`
    taken.add(candidate)
    return candidate
  }

  private now(): string {
    return new Date().toISOString()
  }

  private async create(
    collection: 'media' | 'sources' | 'authors' | 'categories',
    data: Record<string, unknown>,
  ) {
    const now = this.now()
    if (this.bulk) {
      const id = await this.bulk.create(collection, { ...data, createdAt: now, updatedAt: now })
      if (id != null) {
        this.created[collection].push(id)
        return id
      }
      // A layout the bulk writer does not handle: the adapter writes it (after what is buffered).
      await this.bulk.flush()
    }
    const doc = await this.payload.db.create({
      collection,
      data: { ...data, createdAt: now, updatedAt: now },
      req: this.req,
      // Read back only the id: the full read-back is most of the cost of an insert.
      select: { id: true },
    })
    this.created[collection].push(doc.id as number | string)
    return doc.id as number | string
  }

  private async mediaId(url: string): Promise<number | string> {
    const known = this.media.get(url)
    if (known != null) return known
    const id = await this.create('media', { externalUrl: url })
    this.media.set(url, id)
    return id
  }

  private async sourceId(outlet: NonNullable<PostDraft['outlet']>): Promise<number | string> {
    const known = this.sources.get(outlet.name)
    if (known) {
      if (outlet.host && !known.hostnames?.includes(outlet.host)) {
        known.hostnames = [...(known.hostnames ?? []), outlet.host]
        this.sourceHostsDirty.add(outlet.name)
      }
      return known.id
    }
    const slug = this.uniqueSlug(slugOrFallback(outlet.name, 'source'), this.otherSlugs.sources)
    const hostnames = outlet.host ? [outlet.host] : []
    const id = await this.create('sources', {
      name: outlet.name,
      slug,
      hostnames,
      homepage: outlet.host ? `https://${outlet.host}/` : undefined,
    })
    this.sources.set(outlet.name, { id, hostnames })
    return id
  }

  private async authorId(name: string, outlet?: number | string): Promise<number | string> {
    const known = this.authors.get(name)
    if (known != null) return known
    const slug = this.uniqueSlug(slugOrFallback(name, 'author'), this.otherSlugs.authors)
    const id = await this.create('authors', { name, slug, outlet })
    this.authors.set(name, id)
    return id
  }

  private async categoryId(name: string): Promise<number | string> {
    const known = this.categories.get(name)
    if (known != null) return known
    const slug = this.uniqueSlug(slugOrFallback(name, 'category'), this.otherSlugs.categories)
    const id = await this.create('categories', { name, slug })
    this.categories.set(name, id)
    return id
  }

  /** Swaps image URLs in upload nodes for media ids (creating media docs once per URL). */
  private async linkMedia(content: LexState): Promise<Map<string, string>> {
    const urls = new Map<string, string>()
    const visit = async (node: { type?: string; value?: unknown; children?: unknown[] }) => {
      if (node.type === 'upload' && typeof node.value === 'string') {
        const url = node.value
        const id = await this.mediaId(url)
        urls.set(String(id), url)
        node.value = id
      }
      for (const c of node.children ?? []) await visit(c as typeof node)
    }
    await visit(content.root as never)
    return urls
  }

  /** Writes one post: created or updated. Returns its id. */
  async write(
    draft: PostDraft,
    existing: Existing | undefined,
  ): Promise<{ id: number | string; status: 'created' | 'updated' }> {
    const content = structuredClone(draft.content)
    const urls = await this.linkMedia(content)
    // Re-render with media ids resolved: identical to the transform's HTML by construction.
    const contentHtml = renderContentHtml(content as never, {
      resolveMedia: (id) => ({ url: urls.get(String(id)) ?? '' }),
    })
    const source = draft.outlet ? await this.sourceId(draft.outlet) : undefined
    const authors: (number | string)[] = []
    for (const a of draft.authors) authors.push(await this.authorId(a, source))
    const categories: (number | string)[] = []
    for (const c of draft.categories) categories.push(await this.categoryId(c))
    const now = this.now()
    const status = this.options.status
    const data: Record<string, unknown> = {
      title: draft.title,
      content,
      contentHtml,
      excerpt: draft.excerpt,
      authors,
      source: source ?? null,
      sourceUrl: draft.sourceUrl,
      categories,
      tags: draft.tags,
      publishedAt: draft.publishedAt ?? null,
      editorialState: status === 'published' ? 'approved' : (this.options.draftState ?? 'draft'),
      review: { flagged: draft.flagged, fidelity: draft.fidelity, warnings: draft.warnings },
      provenance: {
        ...draft.provenance,
        importedAt: now,
        importRun: this.options.runId,
      },
      _status: status,
      updatedAt: now,
    }
    let id: number | string
    let createdAt = now
    if (!existing && this.bulk) {
      data.slug = this.uniqueSlug(slugOrFallback(draft.title, 'post'), this.slugs)
      data.createdAt = now
      const bulkId = await this.bulk.create('posts', data)
      if (bulkId != null) {
        this.created.posts.push(bulkId)
        const versionId = await this.bulk.createVersion('posts', {
          parent: bulkId,
          versionData: { ...data, id: bulkId, createdAt },
          createdAt: now,
          updatedAt: now,
        })
        if (versionId == null) {
          await this.bulk.flush()
          await this.payload.db.createVersion({
            collectionSlug: 'posts',
            parent: bulkId,
            versionData: { ...data, id: bulkId, createdAt } as never,
            autosave: false,
            createdAt: now,
            updatedAt: now,
            req: this.req,
            returning: false,
          })
        }
        return this.written(draft, bulkId, data, false)
      }
    }
    // Adapter-level writes see everything buffered so far (and ids the bulk writer has not used).
    await this.bulk?.flush()
    if (existing) {
      id = existing.id
      data.slug = existing.slug
      // provenance.importRun names the run that created the post (what that run's rollback removes).
      ;(data.provenance as Record<string, unknown>).importRun =
        existing.importRun ?? this.options.runId
      const updated = await this.payload.db.updateOne({
        collection: 'posts',
        id,
        data,
        req: this.req,
        select: { id: true, createdAt: true },
      })
      createdAt = (updated as { createdAt?: string })?.createdAt ?? now
    } else {
      data.slug ??= this.uniqueSlug(slugOrFallback(draft.title, 'post'), this.slugs)
      data.createdAt = now
      const doc = await this.payload.db.create({
        collection: 'posts',
        data,
        req: this.req,
        select: { id: true },
      })
      id = doc.id as number | string
      this.created.posts.push(id)
    }
    await this.payload.db.createVersion({
      collectionSlug: 'posts',
      parent: id,
      versionData: { ...data, id, createdAt } as never,
      autosave: false,
      createdAt: now,
      updatedAt: now,
      req: this.req,
      returning: false,
    })
    return this.written(draft, id, data, !!existing)
  }

  private async written(
    draft: PostDraft,
    id: number | string,
    data: Record<string, unknown>,
    updated: boolean,
  ): Promise<{ id: number | string; status: 'created' | 'updated' }> {
    this.postsByUrl.set(draft.sourceUrl, {
      id,
      contentHash: draft.provenance.contentHash,
      slug: data.slug as string,
      importRun: (data.provenance as { importRun?: string }).importRun,
    })
    if (++this.pending >= (this.options.batchSize ?? 200)) await this.commit()
    return { id, status: updated ? 'updated' : 'created' }
  }

  /** Stores hostnames sources gained during the run, then commits. */
  async finish() {
    await this.bulk?.flush()
    for (const name of this.sourceHostsDirty) {
      const s = this.sources.get(name)
      if (s)
        await this.payload.db.updateOne({
          collection: 'sources',
          id: s.id,
          data: { hostnames: s.hostnames },
          req: this.req,
          returning: false,
        })
    }
    this.sourceHostsDirty.clear()
    if (this.options.req) return
    if (this.req?.transactionID) await this.payload.db.commitTransaction(this.req.transactionID)
    this.req.transactionID = undefined
  }
}
