import type { Payload, PayloadRequest } from 'payload'
import { createLocalReq } from 'payload'

import { approvalFingerprint } from '../../collections/Posts/approval'
import { featuredImage } from '../../collections/Posts/derive'
import { bumpContentEpoch } from './epoch'
import { draftContentText, draftImageUrls, type PostDraft } from './draft'
import { knownContentHashes, lookupPosts, type FoundPost, type PostKeys } from './lookup'
import { planPost, type ExistingPost, type PostPlan } from './plan'
import { Related, type Id, type LookupMode, type RelatedCollection } from './related'
import {
  knownHashesPlain,
  type KnownPost,
  openWriteTransactions,
  readMediaPlain,
  type WriteTransactions,
} from './sqlite'
import { MEDIA } from '../lib/slugs'

export type { Id, RelatedCollection } from './related'

/**
 * What became of a write of a batch the database refused (a constraint, a trigger, a value it will
 * not store): the batch was rolled back and its posts written again one at a time. `id` is the
 * post's id now; `error` why this one was not stored. The caller corrects what it reported.
 */
export type Rewritten = { draft: PostDraft } & ({ id: Id } | { error: Error })

type BatchWrite = {
  draft: PostDraft
  plan: PostPlan & { action: 'create' | 'update' }
  context: WriteContext
}
export type SinkCollection = 'posts' | RelatedCollection
type Row = Record<string, unknown>

/** What a write knows beyond the draft: whose post it is and how it is identified. */
export type WriteContext = {
  /** The post's source by id (ingest: the polling source), instead of the draft's outlet by name. */
  source?: Id
  /** The item's guid within its source (not a permalink). */
  guid?: string
  /**
   * The link's matching key (./identity.ts `matchKey`), for a post whose link is stored as written
   * (ingest). An archive post is found by its archive key, its `sourceUrl`, and stores none.
   */
  matchUrl?: string
  /** Bylines match authors of the post's source only (a feed's). @default false */
  authorsOfSource?: boolean
}

export type SinkOptions = {
  /** `published`: posts are published and approved by the import; `draft`: drafts. */
  status: 'draft' | 'published'
  /** The editorial state of a post written as a draft (live ingest: `in_review`). @default 'draft' */
  draftState?: 'draft' | 'in_review'
  runId: string
  /** Posts per transaction. @default 200 */
  batchSize?: number
  /**
   * How what exists besides posts is found (./related.ts): `archive` reads the matched columns once
   * (an import of a whole archive), `keyed` asks per key (a poll). @default 'archive'
   */
  lookup?: LookupMode
  /** Write inside this request's transaction (a migration's) instead of batched own ones. */
  req?: PayloadRequest
}

/** The store's write path for one run: chosen once (see ./index.ts). */
export interface ImportSink {
  readonly kind: 'local-api' | 'adapter' | 'bulk' | 'dry-run'
  /** Ids of the docs this run created, per collection (what a rollback of the run removes). */
  readonly created: Record<SinkCollection, Id[]>
  /** Gets ready: in archive mode, reads the matched columns of media, names and slugs once. */
  prepare(): Promise<void>
  /**
   * Content hashes of the posts that need nothing from a file with the same hash (every imported post
   * that has its version): such a file is read and parsed, never transformed. Archive mode only.
   */
  knownHashes(): Set<string>
  /** The posts these keys match (indexed queries, only those rows); `plan` then knows them. */
  lookup(keys: PostKeys, options?: { withText?: boolean; feedKeys?: boolean }): Promise<FoundPost[]>
  /**
   * Finds what these drafts, about to be written as planned, refer to in as few queries as it can
   * (keyed mode: their media, and which slugs of the new posts are taken).
   */
  prefetch(writes: { draft: PostDraft; plan: PostPlan; context?: WriteContext }[]): Promise<void>
  /** The importer's plan for a file whose archive key was looked up (./plan.ts). */
  plan(sourceUrl: string, contentHash: string): PostPlan
  /** False when `plan` can decide this file without a lookup (what it needs is known). */
  needsLookup(sourceUrl: string, contentHash: string): boolean
  /**
   * Writes one post as planned (`create` or `update`), with its media, authors, source, categories;
   * its content's image URLs become media ids. The draft is left as it was.
   */
  write(
    draft: PostDraft,
    plan: PostPlan & { action: 'create' | 'update' },
    context?: WriteContext,
  ): Promise<{ id?: Id }>
  /** Commits what is written; the run is complete. */
  finish(): Promise<void>
  /** Drops the open batch. */
  rollback(): Promise<void>
  /**
   * What became of the writes of batches the database refused, written again one at a time, since
   * the last call: after `write` and `finish`, the caller corrects what it reported of them.
   */
  takeRewritten(): Rewritten[]
}

/**
 * The part every sink shares: what exists (posts by URL, slugs, media by URL, sources, authors and
 * categories by name), the decisions, the post's data, and batches of `batchSize` posts, each in one
 * transaction with the media, authors, sources and categories it made (where the database has
 * transactions). A subclass says how one doc is stored.
 */
export abstract class StoreSink implements ImportSink {
  abstract readonly kind: ImportSink['kind']
  /** Posts looked up in the run, by archive key (`sourceUrl`), kept up to date by its writes. */
  protected readonly posts = new Map<string, ExistingPost>()
  private hashes = new Set<string>()
  /**
   * From the archive-scale read (SQL databases): each URL's one post, with its content hash when an
   * import made it and it has its version. A file whose URL and hash match needs no lookup: with
   * these, `planPost` finds it unchanged (a re-import of a whole archive looks up nothing).
   */
  private knownByUrl = new Map<string, KnownPost>()
  protected readonly related: Related
  protected req!: PayloadRequest
  private transactions?: WriteTransactions
  private transactionId: number | string | null = null
  private pending = 0
  private batchOpen = false
  /** What to forget if the open batch is rolled back (docs, slugs and ids it made). */
  private undo: (() => void)[] = []
  /** The open batch's writes, written again one at a time if the database refuses the batch. */
  private batchWrites: BatchWrite[] = []
  /** True while a refused batch is written again: each post then commits on its own. */
  private rewriting = false
  private rewritten: Rewritten[] = []
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
  ) {
    this.related = new Related(
      payload,
      options.lookup ?? 'archive',
      (collection, data) => this.create(collection, data),
      (fn) => this.undo.push(fn),
      () => (this.batchOpen ? this.req : undefined),
    )
  }

  /** Stores a new media / source / author / category doc; returns its id. */
  protected abstract insert(collection: RelatedCollection, data: Row): Promise<Id>
  /** Stores a new post and its first version; returns its id. */
  protected abstract insertPost(data: Row): Promise<Id | undefined>
  /** Stores a new state of a post and a version of it. */
  protected abstract updatePost(id: Id, data: Row): Promise<void>
  /** Stores a draft version of a post, leaving the post (what readers see) as it is. */
  protected abstract saveDraftVersion(id: Id, data: Row): Promise<void>
  /** Stores the hostnames a source gained during the run. */
  protected abstract updateSourceHosts(id: Id, hostnames: string[]): Promise<void>
  /** Writes what the subclass buffered, inside the open transaction. */
  protected async flush(): Promise<void> {}
  /** Forgets what the subclass buffered. */
  protected discard(): void {}

  async prepare() {
    if ((this.options.lookup ?? 'archive') !== 'archive') return
    // SQLite: plain SELECTs; through the adapter's `find`, page by page, 64k posts took about 10 s.
    const known = await knownHashesPlain(this.payload)
    this.hashes = known?.hashes ?? (await knownContentHashes(this.payload))
    this.knownByUrl = known?.byUrl ?? new Map()
    await this.related.preload(
      async () =>
        (await readMediaPlain(this.payload)) ??
        (
          await this.payload.db.find({
            collection: MEDIA,
            where: { externalUrl: { exists: true } },
            select: { externalUrl: true } as never,
            limit: 0,
            pagination: false,
          })
        ).docs.map((d) => d as unknown as { id: Id; externalUrl?: string }),
    )
  }

  knownHashes(): Set<string> {
    return this.hashes
  }

  async lookup(
    keys: PostKeys,
    options: { withText?: boolean; feedKeys?: boolean } = {},
  ): Promise<FoundPost[]> {
    const found = await lookupPosts(this.payload, keys, {
      req: this.batchOpen ? this.req : undefined,
      withText: options.withText,
      feedKeys: options.feedKeys,
    })
    for (const p of found)
      if (p.sourceUrl && !this.posts.has(p.sourceUrl)) this.posts.set(p.sourceUrl, p)
    return found
  }

  plan(sourceUrl: string, contentHash: string): PostPlan {
    return planPost(
      this.posts.get(sourceUrl) ?? this.knownUnchanged(sourceUrl, contentHash),
      contentHash,
    )
  }

  needsLookup(sourceUrl: string, contentHash: string): boolean {
    return !this.posts.has(sourceUrl) && !this.knownUnchanged(sourceUrl, contentHash)
  }

  /**
   * The post of this URL as the archive-scale read knows it, when it is the one this very file made
   * (an import's post with its version, this hash): `planPost` finds it unchanged, as it would the
   * looked-up post. Anything else is looked up.
   */
  private knownUnchanged(sourceUrl: string, contentHash: string): ExistingPost | undefined {
    const known = this.knownByUrl.get(sourceUrl)
    if (!known || known.contentHash !== contentHash) return undefined
    // `versionUpdatedAt: null`: it has its version (the read checked), whose time no rule needs here.
    return { id: known.id, sourceUrl, contentHash, versionUpdatedAt: null }
  }

  async prefetch(
    writes: { draft: PostDraft; plan: PostPlan; context?: WriteContext }[],
  ): Promise<void> {
    await this.related.prefetchMedia(writes.flatMap((w) => w.draft.images))
    await this.related.prefetchPostSlugs(
      writes.filter((w) => w.plan.action === 'create').map((w) => w.draft.title),
    )
    // Bylines matched within the post's source (a feed's): the others are looked up one by one.
    await this.related.prefetchNames(
      writes.flatMap((w) => w.draft.categories),
      writes.flatMap(({ draft, context }) =>
        context?.authorsOfSource && context.source != null
          ? draft.authors.map((name) => ({ name, outlet: context.source! }))
          : [],
      ),
    )
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
   * Tells every server's delivery cache that content changed (src/store/epoch.ts), inside the open
   * batch's transaction: the bulk sinks run no delivery hook.
   */
  protected async announceChange() {
    await bumpContentEpoch(this.payload, this.req)
  }

  /** Commits the open batch (so an interrupted run keeps everything written so far). */
  protected async commit() {
    try {
      await this.flush()
      if (this.pending > 0) await this.announceChange()
      this.pending = 0
      await this.end(true)
      this.batchWrites = []
    } catch (err) {
      // A caller's transaction (a migration's) is the caller's to end; one post is one post.
      if (this.rewriting || this.transactionPerPost || this.options.req) throw err
      await this.rewriteBatch(err)
    }
  }

  /**
   * The database refused the open batch (one multi-row INSERT holds many posts): rolls it back and
   * writes its posts again one at a time, each in a transaction of its own, so that every post the
   * database takes is stored and only the ones it refuses fail. What became of each is kept for
   * `takeRewritten`.
   */
  private async rewriteBatch(cause: unknown) {
    const writes = this.batchWrites
    this.batchWrites = []
    this.pending = 0
    this.discard()
    await this.end(false)
    this.payload.logger.warn({
      err: cause,
      msg: `store: the database refused a batch of ${writes.length} posts; writing them one at a time`,
    })
    this.rewriting = true
    try {
      for (const w of writes) {
        try {
          const { id } = await this.write(w.draft, w.plan, w.context)
          if (id == null) throw new Error('the store returned no id')
          this.rewritten.push({ draft: w.draft, id })
        } catch (err) {
          this.discard()
          if (this.batchOpen) await this.end(false)
          this.pending = 0
          this.rewritten.push({ draft: w.draft, error: err as Error })
        }
      }
    } finally {
      this.rewriting = false
      this.batchWrites = []
    }
  }

  /** What became of the writes of refused batches since the last call (see `Rewritten`). */
  takeRewritten(): Rewritten[] {
    const out = this.rewritten
    this.rewritten = []
    return out
  }

  async rollback() {
    this.discard()
    try {
      await this.end(false)
    } finally {
      await this.transactions?.close()
    }
  }

  protected now(): string {
    return new Date().toISOString()
  }

  /** Creates a doc a post refers to, in the open batch (./related.ts decides when). */
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

  /**
   * The media of the draft's images, in document order (media docs created once per URL), and the
   * content's canonical JSON text with their ids in its upload nodes.
   */
  private async linkMedia(
    draft: PostDraft,
  ): Promise<{ linked: { url: string; id: Id }[]; text: string }> {
    const linked: { url: string; id: Id }[] = []
    for (const url of draftImageUrls(draft))
      linked.push({ url, id: await this.related.mediaId(url) })
    return { linked, text: draftContentText(draft, (_url, i) => linked[i].id) }
  }

  /**
   * The value of the post's `content` as this sink stores it, from its canonical JSON text: a tree
   * (what Payload's writes take). The bulk sink stores the text itself (./jsonText.ts).
   */
  protected contentValue(text: string): unknown {
    return JSON.parse(text)
  }

  async write(
    draft: PostDraft,
    plan: PostPlan & { action: 'create' | 'update' },
    context: WriteContext = {},
  ): Promise<{ id?: Id }> {
    if (!this.batchOpen) await this.begin()
    if (!this.rewriting) this.batchWrites.push({ draft, plan, context })
    const { linked, text: contentText } = await this.linkMedia(draft)
    const { source, authors, categories } = await this.relatedIds(draft, context)
    const now = this.now()
    // A change to a published or approved post that goes back to review (./plan.ts planItem): a
    // draft version in review; the post readers see stays as it is.
    const forReview = plan.action === 'update' && !!plan.asDraftForReview
    const status = forReview ? 'draft' : this.options.status
    const data: Row = {
      title: draft.title,
      content: this.contentValue(contentText),
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
      editorialState: forReview
        ? 'in_review'
        : status === 'published'
          ? 'approved'
          : (this.options.draftState ?? 'draft'),
      review: { flagged: draft.flagged, fidelity: draft.fidelity, warnings: draft.warnings },
      provenance: {
        ...draft.provenance,
        importedAt: now,
        importRun: this.options.runId,
        matchUrl: context.matchUrl ?? null,
        guid: context.guid ?? null,
      },
      _status: status,
      updatedAt: now,
    }
    if (plan.action === 'create') {
      data.slug = await this.related.postSlug(draft.title)
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
      data.editorialState === 'approved' ? approvalFingerprint(data as never, contentText) : null
    const id = await this.storeRow(plan, data, forReview)
    const known = this.posts.get(draft.sourceUrl)
    this.undo.push(() =>
      known ? this.posts.set(draft.sourceUrl, known) : this.posts.delete(draft.sourceUrl),
    )
    this.posts.set(draft.sourceUrl, {
      ...(plan.action === 'update' ? plan.existing : {}),
      id: id ?? `(new: ${draft.file})`,
      slug: data.slug as string,
      contentHash: draft.provenance.contentHash,
      importRun: (data.provenance as Row).importRun as string,
      importedAt: now,
      updatedAt: now,
      versionUpdatedAt: now,
    })
    const batch = this.transactionPerPost || this.rewriting ? 1 : (this.options.batchSize ?? 200)
    if (++this.pending >= batch) await this.commit()
    return { id }
  }

  /** The ids of the draft's source (found or made), authors and categories. */
  private async relatedIds(draft: PostDraft, context: WriteContext) {
    const source =
      context.source ?? (draft.outlet ? await this.related.sourceId(draft.outlet) : undefined)
    const authors: Id[] = []
    for (const a of draft.authors)
      authors.push(await this.related.authorId(a, source, context.authorsOfSource ?? false))
    const categories: Id[] = []
    for (const c of draft.categories) categories.push(await this.related.categoryId(c))
    return { source, authors, categories }
  }

  /** Writes the post's row: a new post, a draft version in review, or the post updated. */
  private async storeRow(
    plan: PostPlan & { action: 'create' | 'update' },
    data: Row,
    forReview: boolean,
  ): Promise<Id | undefined> {
    if (plan.action === 'create') {
      const id = await this.insertPost(data).catch((err: unknown) => this.failed(err))
      if (id != null) this.created.posts.push(id)
      return id
    }
    const id = plan.existing.id
    if (forReview) await this.saveDraftVersion(id, data).catch((err: unknown) => this.failed(err))
    else await this.updatePost(id, data).catch((err: unknown) => this.failed(err))
    return id
  }

  /** A post's write failed: where that ended the transaction, start a clean one; then report it. */
  private async failed(err: unknown): Promise<never> {
    if (this.transactionPerPost && !this.options.req) await this.end(false)
    throw err
  }

  /** Stores hostnames sources gained during the run, then commits. */
  async finish() {
    if (this.batchOpen) await this.commit()
    const grown = this.related.grownSources()
    if (grown.length) {
      await this.begin()
      for (const s of grown) await this.updateSourceHosts(s.id, s.hostnames)
      await this.announceChange()
      await this.end(true)
    }
    this.related.sourceHostsDirty.clear()
    this.pending = 0
    await this.transactions?.close()
  }
}
