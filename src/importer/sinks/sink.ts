import type { Payload, PayloadRequest } from 'payload'
import { createLocalReq } from 'payload'

import { approvalFingerprint, fillCanonicalJson } from '../../../collections/Posts/approval'
import { featuredImage, uniquePostSlug } from '../../../collections/Posts/derive'
import { bumpContentEpoch } from '../../delivery/epoch'
import { firstFreeSlugSync, slugOrFallback } from '../../lib/slug'
import { isPendingUpload, type LexState } from '../lexical'
import type { PostDraft } from '../transform'
import { openWriteTransactions, readCatalogSqlite, type WriteTransactions } from './internals'
import { planPost, type ExistingPost, type PostPlan } from './plan'

export type RelatedCollection = 'media' | 'sources' | 'authors' | 'categories'
export type SinkCollection = 'posts' | RelatedCollection
export type Id = number | string
type Row = Record<string, unknown>

export type SinkOptions = {
  /** `published`: posts are published and approved by the import; `draft`: drafts. */
  status: 'draft' | 'published'
  /** The editorial state of a post written as a draft (live ingest: `in_review`). @default 'draft' */
  draftState?: 'draft' | 'in_review'
  runId: string
  /** Posts per transaction. @default 200 */
  batchSize?: number
  /** Write inside this request's transaction (a migration's) instead of batched own ones. */
  req?: PayloadRequest
}

/** What the import writes through: chosen once per run (see ./index.ts). */
export interface ImportSink {
  readonly kind: 'local-api' | 'adapter' | 'sqlite-bulk' | 'dry-run'
  /** Ids of the docs this run created, per collection (what a rollback of the run removes). */
  readonly created: Record<SinkCollection, Id[]>
  /** Reads what exists (one query per collection). */
  prepare(): Promise<void>
  /**
   * Content hashes of the posts that need nothing from a file with the same hash (every imported post
   * that has its version): such a file is read and parsed, never transformed.
   */
  knownHashes(): Set<string>
  /** What a write of this file would do (./plan.ts). */
  plan(sourceUrl: string, contentHash: string): PostPlan
  /**
   * Writes one post as planned (`create` or `update`), with its media, authors, source, categories.
   * Takes the draft over: its content's image URLs become media ids.
   */
  write(draft: PostDraft, plan: PostPlan & { action: 'create' | 'update' }): Promise<{ id?: Id }>
  /** Commits what is written; the run is complete. */
  finish(): Promise<void>
  /** Drops the open batch. */
  rollback(): Promise<void>
}

const PAGE = 5000

/** What the sink reads of what exists (posts, their latest versions, media by URL). */
export type Catalog = {
  posts: {
    id: Id
    sourceUrl?: string | null
    slug?: string | null
    updatedAt?: string | null
    contentHash?: string | null
    importRun?: string | null
    importedAt?: string | null
  }[]
  latestVersions: { parent: Id; updatedAt?: string | null }[]
  media: { id: Id; externalUrl?: string | null }[]
}

/** Reads every doc of a collection with a few fields, page by page, at the adapter level. */
const readAll = async <T>(
  payload: Payload,
  collection: SinkCollection,
  select: Row,
  where: Row = {},
  versions = false,
): Promise<T[]> => {
  const out: T[] = []
  for (let page = 1; ; page++) {
    const args = {
      collection,
      limit: PAGE,
      page,
      pagination: true,
      select: select as never,
      sort: 'id',
      where: where as never,
    }
    const res = versions ? await payload.db.findVersions(args) : await payload.db.find(args)
    out.push(...(res.docs as T[]))
    if (!res.hasNextPage) break
  }
  return out
}

/** What exists, through the adapter's public API (any adapter). */
export const readCatalogViaAdapter = async (payload: Payload): Promise<Catalog> => {
  const posts = await readAll<{
    id: Id
    sourceUrl?: string
    slug?: string
    updatedAt?: string
    provenance?: { contentHash?: string; importRun?: string; importedAt?: string }
  }>(payload, 'posts', {
    sourceUrl: true,
    slug: true,
    updatedAt: true,
    provenance: { contentHash: true, importRun: true, importedAt: true },
  })
  const versions = await readAll<{ parent: Id | { id: Id }; updatedAt?: string }>(
    payload,
    'posts',
    { parent: true, updatedAt: true },
    { latest: { equals: true } },
    true,
  )
  const media = await readAll<{ id: Id; externalUrl?: string }>(
    payload,
    'media',
    { externalUrl: true },
    { externalUrl: { exists: true } },
  )
  return {
    posts: posts.map((p) => ({
      id: p.id,
      sourceUrl: p.sourceUrl,
      slug: p.slug,
      updatedAt: p.updatedAt,
      contentHash: p.provenance?.contentHash,
      importRun: p.provenance?.importRun,
      importedAt: p.provenance?.importedAt,
    })),
    latestVersions: versions.map((v) => ({
      parent: typeof v.parent === 'object' && v.parent ? v.parent.id : v.parent,
      updatedAt: v.updatedAt,
    })),
    media,
  }
}

/**
 * The part every sink shares: what exists (posts by URL, slugs, media by URL, sources, authors and
 * categories by name), the decisions, the post's data, and batches of `batchSize` posts, each in one
 * transaction with the media, authors, sources and categories it made (where the database has
 * transactions). A subclass says how one doc is stored.
 */
export abstract class StoreSink implements ImportSink {
  abstract readonly kind: ImportSink['kind']
  protected readonly posts = new Map<string, ExistingPost>()
  private readonly postSlugs = new Set<string>()
  private readonly media = new Map<string, Id>()
  private readonly sources = new Map<string, { id: Id; hostnames: string[] }>()
  private readonly sourceHostsDirty = new Set<string>()
  private readonly authors = new Map<string, Id>()
  private readonly categories = new Map<string, Id>()
  private readonly otherSlugs = {
    sources: new Set<string>(),
    authors: new Set<string>(),
    categories: new Set<string>(),
  }
  protected req!: PayloadRequest
  private transactions?: WriteTransactions
  private transactionId: number | string | null = null
  private pending = 0
  private batchOpen = false
  /** What to forget if the open batch is rolled back (docs, slugs and ids it made). */
  private undo: (() => void)[] = []
  /**
   * True when a failed write ends the open transaction (the Local API rolls back the transaction of a
   * failed operation): each post then gets a transaction of its own, and a failure forgets its batch.
   */
  protected readonly transactionPerPost: boolean = false

  readonly created: Record<SinkCollection, Id[]> = {
    posts: [],
    media: [],
    sources: [],
    authors: [],
    categories: [],
  }

  constructor(
    protected readonly payload: Payload,
    protected readonly options: SinkOptions,
  ) {}

  /** Stores a new media / source / author / category doc; returns its id. */
  protected abstract insert(collection: RelatedCollection, data: Row): Promise<Id>
  /** Stores a new post and its first version; returns its id. */
  protected abstract insertPost(data: Row): Promise<Id | undefined>
  /** Stores a new state of a post and a version of it. */
  protected abstract updatePost(id: Id, data: Row): Promise<void>
  /** Stores the hostnames a source gained during the run. */
  protected abstract updateSourceHosts(id: Id, hostnames: string[]): Promise<void>
  /** Writes what the subclass buffered, inside the open transaction. */
  protected async flush(): Promise<void> {}
  /** Forgets what the subclass buffered. */
  protected discard(): void {}

  async prepare() {
    // SQLite: three plain SELECTs; through the adapter's `find`, 64k posts took about ten seconds.
    const { posts, latestVersions, media } =
      (await readCatalogSqlite(this.payload)) ?? (await readCatalogViaAdapter(this.payload))
    const latest = new Map<string, string | null | undefined>()
    for (const v of latestVersions) latest.set(String(v.parent), v.updatedAt ?? null)
    for (const p of posts) {
      if (p.slug) this.postSlugs.add(p.slug)
      if (!p.sourceUrl) continue
      this.posts.set(p.sourceUrl, {
        id: p.id,
        slug: p.slug,
        contentHash: p.contentHash,
        importRun: p.importRun,
        importedAt: p.importedAt,
        updatedAt: p.updatedAt,
        versionUpdatedAt: latest.has(String(p.id)) ? (latest.get(String(p.id)) ?? null) : undefined,
      })
    }
    for (const m of media) if (m.externalUrl) this.media.set(m.externalUrl, m.id)
    for (const s of await readAll<{
      id: Id
      name: string
      slug?: string
      hostnames?: string[]
    }>(this.payload, 'sources', { name: true, slug: true, hostnames: true })) {
      this.sources.set(s.name, { id: s.id, hostnames: s.hostnames ?? [] })
      if (s.slug) this.otherSlugs.sources.add(s.slug)
    }
    for (const a of await readAll<{ id: Id; name: string; slug?: string }>(
      this.payload,
      'authors',
      {
        name: true,
        slug: true,
      },
    )) {
      this.authors.set(a.name, a.id)
      if (a.slug) this.otherSlugs.authors.add(a.slug)
    }
    for (const c of await readAll<{ id: Id; name: string; slug?: string }>(
      this.payload,
      'categories',
      {
        name: true,
        slug: true,
      },
    )) {
      this.categories.set(c.name, c.id)
      if (c.slug) this.otherSlugs.categories.add(c.slug)
    }
  }

  knownHashes(): Set<string> {
    const out = new Set<string>()
    for (const p of this.posts.values())
      if (p.contentHash && p.versionUpdatedAt !== undefined) out.add(p.contentHash)
    return out
  }

  plan(sourceUrl: string, contentHash: string): PostPlan {
    return planPost(this.posts.get(sourceUrl), contentHash)
  }

  /**
   * Opens a batch: at its first write, not before, so the database is not locked while files are
   * read and transformed (another process's writes wait for a batch, up to the busy timeout).
   */
  protected async begin() {
    this.batchOpen = true
    if (this.options.req) {
      this.req = this.options.req
      return
    }
    this.transactions ??= await openWriteTransactions(this.payload)
    this.req = await createLocalReq({ context: { importRun: this.options.runId } }, this.payload)
    try {
      this.transactionId = (await this.transactions.begin()) ?? null
    } catch (err) {
      this.batchOpen = false
      throw new Error(
        `import: could not begin a batch (${(err as Error).message}); is another import writing to this database from this process?`,
        { cause: err },
      )
    }
    if (this.transactionId != null) this.req.transactionID = this.transactionId
  }

  /** Ends the open batch: commits its transaction (or rolls it back and forgets what it made). */
  private async end(commit: boolean) {
    if (!commit) for (const undo of this.undo.reverse()) undo()
    this.undo = []
    this.batchOpen = false
    // A caller's transaction (a migration's) is the caller's to end.
    if (this.options.req) return
    const id = this.transactionId
    this.transactionId = null
    if (this.req) this.req.transactionID = undefined
    if (id == null || !this.transactions) return
    if (commit) await this.transactions.commit(id)
    else await this.transactions.rollback(id)
  }

  /**
   * Tells every server's delivery cache that content changed (src/delivery/epoch.ts), inside the open
   * batch's transaction: the bulk sinks run no delivery hook.
   */
  protected async announceChange() {
    await bumpContentEpoch(this.payload, this.req)
  }

  /** Commits the open batch (so an interrupted run keeps everything written so far). */
  protected async commit() {
    await this.flush()
    if (this.pending > 0) await this.announceChange()
    this.pending = 0
    await this.end(true)
  }

  async rollback() {
    this.discard()
    try {
      await this.end(false)
    } finally {
      await this.transactions?.close()
    }
  }

  private uniqueSlug(name: string, prefix: string, taken: Set<string>): string {
    const slug = firstFreeSlugSync(slugOrFallback(name, prefix), (c) => taken.has(c))
    taken.add(slug)
    this.undo.push(() => taken.delete(slug))
    return slug
  }

  /** Records a doc made in the open batch, to be forgotten if the batch is rolled back. */
  private remember<V>(map: Map<string, V>, key: string, value: V) {
    map.set(key, value)
    this.undo.push(() => map.delete(key))
  }

  protected now(): string {
    return new Date().toISOString()
  }

  private async create(collection: RelatedCollection, data: Row): Promise<Id> {
    const now = this.now()
    const id = await this.insert(collection, { ...data, createdAt: now, updatedAt: now })
    this.created[collection].push(id)
    this.undo.push(() => {
      const list = this.created[collection]
      list.splice(list.lastIndexOf(id), 1)
    })
    return id
  }

  private async mediaId(url: string): Promise<Id> {
    const known = this.media.get(url)
    if (known != null) return known
    const id = await this.create('media', { externalUrl: url })
    this.remember(this.media, url, id)
    return id
  }

  private async sourceId(outlet: NonNullable<PostDraft['outlet']>): Promise<Id> {
    const known = this.sources.get(outlet.name)
    if (known) {
      if (outlet.host && !known.hostnames.includes(outlet.host)) {
        known.hostnames = [...known.hostnames, outlet.host]
        this.sourceHostsDirty.add(outlet.name)
      }
      return known.id
    }
    const slug = this.uniqueSlug(outlet.name, 'source', this.otherSlugs.sources)
    const hostnames = outlet.host ? [outlet.host] : []
    const id = await this.create('sources', {
      name: outlet.name,
      slug,
      hostnames,
      homepage: outlet.host ? `https://${outlet.host}/` : undefined,
    })
    this.remember(this.sources, outlet.name, { id, hostnames })
    return id
  }

  private async authorId(name: string, outlet?: Id): Promise<Id> {
    const known = this.authors.get(name)
    if (known != null) return known
    const slug = this.uniqueSlug(name, 'author', this.otherSlugs.authors)
    const id = await this.create('authors', { name, slug, outlet })
    this.remember(this.authors, name, id)
    return id
  }

  private async categoryId(name: string): Promise<Id> {
    const known = this.categories.get(name)
    if (known != null) return known
    const slug = this.uniqueSlug(name, 'category', this.otherSlugs.categories)
    const id = await this.create('categories', { name, slug })
    this.remember(this.categories, name, id)
    return id
  }

  /**
   * Swaps image URLs in upload nodes for media ids (creating media docs once per URL); returns the
   * URLs and ids in document order.
   */
  private async linkMedia(content: LexState): Promise<{ url: string; id: Id }[]> {
    const linked: { url: string; id: Id }[] = []
    const visit = async (node: { type?: string; value?: unknown; children?: unknown[] }) => {
      if (isPendingUpload(node)) {
        const url = node.value as string
        node.value = await this.mediaId(url)
        linked.push({ url, id: node.value as Id })
      }
      for (const c of node.children ?? []) await visit(c as typeof node)
    }
    await visit(content.root as never)
    return linked
  }

  /**
   * The canonical JSON text of the content as linked: the transform wrote it with the upload nodes'
   * URLs open (`draft.contentJson`), so filling in the ids spares this thread a walk of the content.
   * Undefined (the fingerprint then walks it) unless the open URLs are exactly the linked ones.
   */
  private linkedContentJson(draft: PostDraft, linked: { url: string; id: Id }[]) {
    const { holes } = draft.contentJson
    if (holes.length !== linked.length || holes.some((url, i) => url !== linked[i].url))
      return undefined
    let i = 0
    return fillCanonicalJson(draft.contentJson, () => linked[i++].id)
  }

  async write(
    draft: PostDraft,
    plan: PostPlan & { action: 'create' | 'update' },
  ): Promise<{ id?: Id }> {
    if (!this.batchOpen) await this.begin()
    // The draft is the sink's from here on (read back from the spill for this write): no copy.
    const content = draft.content
    const linked = await this.linkMedia(content)
    const source = draft.outlet ? await this.sourceId(draft.outlet) : undefined
    const authors: Id[] = []
    for (const a of draft.authors) authors.push(await this.authorId(a, source))
    const categories: Id[] = []
    for (const c of draft.categories) categories.push(await this.categoryId(c))
    const now = this.now()
    const status = this.options.status
    const data: Row = {
      title: draft.title,
      content,
      // Rendered once, by the transform, with images at their URLs: what the media docs resolve to.
      contentHtml: draft.contentHtml,
      excerpt: draft.excerpt,
      heroImage: featuredImage(linked)?.id ?? null,
      authors,
      source: source ?? null,
      sourceUrl: draft.sourceUrl,
      categories,
      tags: draft.tags,
      publishedAt: draft.publishedAt ?? null,
      editorialState: status === 'published' ? 'approved' : (this.options.draftState ?? 'draft'),
      review: { flagged: draft.flagged, fidelity: draft.fidelity, warnings: draft.warnings },
      provenance: { ...draft.provenance, importedAt: now, importRun: this.options.runId },
      _status: status,
      updatedAt: now,
    }
    if (plan.action === 'create') {
      data.slug = uniquePostSlug(draft.title, this.postSlugs)
      const slug = data.slug as string
      this.undo.push(() => this.postSlugs.delete(slug))
      data.createdAt = now
    } else {
      data.slug = plan.existing.slug
      // provenance.importRun names the run that created the post (what that run's rollback removes).
      ;(data.provenance as Row).importRun = plan.existing.importRun ?? this.options.runId
    }
    // A post the import publishes is approved by the import, for exactly what it writes (the approval
    // lock, collections/Posts/hooks/lockApprovedContent.ts, which the bulk sinks do not run): a stale
    // fingerprint would refuse its next publication. A post a person approved is never rewritten
    // (./plan.ts: saved after its import, it is a conflict).
    data.approvedFingerprint =
      data.editorialState === 'approved'
        ? approvalFingerprint(data as never, this.linkedContentJson(draft, linked))
        : null
    let id: Id | undefined
    if (plan.action === 'create') {
      id = await this.insertPost(data).catch((err: unknown) => this.failed(err))
      if (id != null) this.created.posts.push(id)
    } else {
      id = plan.existing.id
      await this.updatePost(id, data).catch((err: unknown) => this.failed(err))
    }
    this.posts.set(draft.sourceUrl, {
      id: id ?? `(new: ${draft.file})`,
      slug: data.slug as string,
      contentHash: draft.provenance.contentHash,
      importRun: (data.provenance as Row).importRun as string,
      importedAt: now,
      updatedAt: now,
      versionUpdatedAt: now,
    })
    const batch = this.transactionPerPost ? 1 : (this.options.batchSize ?? 200)
    if (++this.pending >= batch) await this.commit()
    return { id }
  }

  /** A post's write failed: where that ended the transaction, start a clean one; then report it. */
  private async failed(err: unknown): Promise<never> {
    if (this.transactionPerPost && !this.options.req) await this.end(false)
    throw err
  }

  /** Stores hostnames sources gained during the run, then commits. */
  async finish() {
    if (this.sourceHostsDirty.size && !this.batchOpen) await this.begin()
    await this.flush()
    for (const name of this.sourceHostsDirty) {
      const s = this.sources.get(name)
      if (s) await this.updateSourceHosts(s.id, s.hostnames)
    }
    if (this.pending > 0 || this.sourceHostsDirty.size > 0) await this.announceChange()
    this.sourceHostsDirty.clear()
    this.pending = 0
    await this.end(true)
    await this.transactions?.close()
  }
}
