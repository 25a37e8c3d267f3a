import type { Payload, PayloadRequest, Where } from 'payload'

import { postSlugBase } from '../../collections/Posts/derive'
import { firstFreeSlugSync, slugOrFallback } from '../lib/slug'
import { readColumnsPlain } from './sqlite'

export type RelatedCollection = 'media' | 'sources' | 'authors' | 'categories'
export type Id = number | string
type Row = Record<string, unknown>

/**
 * How the store finds what exists besides posts:
 * - `keyed`: one indexed query per name or URL it has not seen in the run (a poll of a few items
 *   reads a few rows);
 * - `archive`: the columns it matches on are read once when the run starts (an archive import
 *   resolves ~100k image URLs and thousands of names: one read beats that many queries).
 */
export type LookupMode = 'keyed' | 'archive'

/** How many candidates `firstFreeSlugSync` tries. */
const MAX_SLUG_TRIES = 50

/** The slug candidates `firstFreeSlugSync` tries, in order. */
const candidates = (base: string): string[] =>
  Array.from({ length: MAX_SLUG_TRIES }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`))

type SlugCollection = 'posts' | 'sources' | 'authors' | 'categories'

/** A slug candidate's key among the keys asked about. */
const slugKey = (collection: SlugCollection, candidate: string) => `slug:${collection}:${candidate}`

/** Candidates per slug query (an indexed `IN`; well under every database's parameter limit). */
const SLUG_CHUNK = 1000

/**
 * The candidates `prefetchSlugs` asks about, by round: the bases, then `-2` to `-5` of the bases
 * taken, then the rest for the few still open.
 */
const SLUG_WINDOWS = [1, 5, 50]

/** Creates a doc in the open batch (the writer's: remembered, undone with the batch). */
export type CreateDoc = (collection: RelatedCollection, data: Row) => Promise<Id>

const PAGE = 5000

/**
 * Finds or creates what a post refers to, one small unit per collection: media by external URL,
 * sources and categories by name, authors by name (within the post's source when `scoped`), and the
 * unique slugs of new docs (posts too). What it made in a batch is forgotten when the batch rolls
 * back (`undo`).
 */
export class Related {
  private readonly media = new Map<string, Id>()
  private readonly sources = new Map<string, { id: Id; hostnames: string[] }>()
  /** Names of sources whose hostnames grew in the run (written at the end). */
  readonly sourceHostsDirty = new Set<string>()
  private readonly authors = new Map<string, Id>()
  private readonly categories = new Map<string, Id>()
  private readonly slugs: Record<SlugCollection, Set<string>> = {
    posts: new Set(),
    sources: new Set(),
    authors: new Set(),
    categories: new Set(),
  }
  /** Keys looked up in the database already (keyed mode): a miss is not asked twice. */
  private readonly asked = new Set<string>()

  constructor(
    private readonly payload: Payload,
    private readonly mode: LookupMode,
    private readonly create: CreateDoc,
    private readonly undo: (fn: () => void) => void,
    private readonly req: () => PayloadRequest | undefined,
  ) {}

  /** Archive mode: reads the matched columns once. Keyed mode: nothing. */
  async preload(readMedia: () => Promise<{ id: Id; externalUrl?: string | null }[]>) {
    if (this.mode !== 'archive') return
    for (const m of await readMedia()) if (m.externalUrl) this.media.set(m.externalUrl, m.id)
    for (const s of await this.readAll<{
      id: Id
      name: string
      slug?: string
      hostnames?: string[]
    }>('sources', { id: true, name: true, slug: true, hostnames: true })) {
      this.sources.set(s.name, { id: s.id, hostnames: s.hostnames ?? [] })
      if (s.slug) this.slugs.sources.add(s.slug)
    }
    for (const a of await this.readAll<{ id: Id; name: string; slug?: string }>('authors', {
      id: true,
      name: true,
      slug: true,
    })) {
      this.authors.set(a.name, a.id)
      if (a.slug) this.slugs.authors.add(a.slug)
    }
    for (const c of await this.readAll<{ id: Id; name: string; slug?: string }>('categories', {
      id: true,
      name: true,
      slug: true,
    })) {
      this.categories.set(c.name, c.id)
      if (c.slug) this.slugs.categories.add(c.slug)
    }
    for (const p of await this.readAll<{ slug?: string }>('posts', { id: true, slug: true }))
      if (p.slug) this.slugs.posts.add(p.slug)
  }

  /**
   * Every doc of a collection with a few fields (archive mode): plain columns on SQLite in one
   * SELECT, else page by page through the adapter.
   */
  private async readAll<T>(
    collection: RelatedCollection | 'posts',
    select: Record<string, true>,
  ): Promise<T[]> {
    if (collection !== 'sources') {
      const keys = Object.fromEntries(Object.keys(select).map((k) => [k, k]))
      const rows = await readColumnsPlain(this.payload, collection, keys)
      if (rows) return rows as T[]
    }
    const out: T[] = []
    for (let page = 1; ; page++) {
      const res = await this.payload.db.find({
        collection,
        limit: PAGE,
        page,
        pagination: true,
        select: select as never,
        sort: 'id',
        where: {},
      })
      out.push(...(res.docs as T[]))
      if (!res.hasNextPage) break
    }
    return out
  }

  /** The docs of a collection matching `where` (keyed mode), with a few fields. */
  private async find<T>(
    collection: RelatedCollection | 'posts',
    where: Where,
    select: Row,
  ): Promise<T[]> {
    const res = await this.payload.db.find({
      collection,
      where,
      select: select as never,
      limit: 0,
      pagination: false,
      req: this.req(),
    })
    return res.docs as T[]
  }

  /** Asks the database once per key (keyed mode); true when it should ask now. */
  private firstAsk(key: string, always = false): boolean {
    if ((this.mode !== 'keyed' && !always) || this.asked.has(key)) return false
    this.asked.add(key)
    return true
  }

  /** Records a doc made in the open batch, to be forgotten if the batch is rolled back. */
  private remember<V>(map: Map<string, V>, key: string, value: V) {
    map.set(key, value)
    this.undo(() => map.delete(key))
  }

  /** A slug of `collection` that no doc has: `base`, `base-2`, ... */
  async uniqueSlug(collection: SlugCollection, base: string): Promise<string> {
    const taken = this.slugs[collection]
    if (this.mode === 'keyed') {
      // The first candidate neither made in the run nor found in the database; a candidate asked
      // about already (a prefetch, an earlier slug) is not asked again, so the database is asked
      // only when the walk reaches candidates it has not been asked about, all of them at once.
      for (const c of candidates(base)) {
        if (taken.has(c)) continue
        if (this.asked.has(slugKey(collection, c))) break
        await this.askSlugs(collection, candidates(base))
        break
      }
    }
    const slug = firstFreeSlugSync(base, (c) => taken.has(c))
    taken.add(slug)
    this.undo(() => taken.delete(slug))
    return slug
  }

  /**
   * Keyed mode: asks which of these candidates docs of `collection` have, in one query per
   * SLUG_CHUNK of those not asked before; the ones found are taken.
   */
  private async askSlugs(collection: SlugCollection, wanted: Iterable<string>) {
    const taken = this.slugs[collection]
    const ask = [...new Set(wanted)].filter(
      (c) => !taken.has(c) && this.firstAsk(slugKey(collection, c)),
    )
    for (let i = 0; i < ask.length; i += SLUG_CHUNK)
      for (const d of await this.find<{ slug?: string }>(
        collection,
        { slug: { in: ask.slice(i, i + SLUG_CHUNK) } },
        { slug: true },
      ))
        if (d.slug) taken.add(d.slug)
  }

  /**
   * Keyed mode: finds, for new docs with these slug bases (a batch's new posts; a base given twice
   * is two docs), which of their candidates are taken, in a few queries for the whole batch instead
   * of one per doc: the bases first, then the next candidates of the bases without a free one for
   * each of their docs, a wider window each round. The slugs `uniqueSlug` then gives are the ones it
   * gives without this.
   */
  async prefetchSlugs(collection: SlugCollection, bases: Iterable<string>): Promise<void> {
    if (this.mode !== 'keyed') return
    const taken = this.slugs[collection]
    const docs = new Map<string, number>()
    for (const base of bases) docs.set(base, (docs.get(base) ?? 0) + 1)
    // Per base, the candidates asked so far: a window of the round's width, widened by the base's
    // docs beyond the first (three new authors of one byline want three free candidates).
    const upTo = new Map<string, number>()
    let open = [...docs.keys()]
    for (const width of SLUG_WINDOWS) {
      const reach = (base: string) => Math.min(width + docs.get(base)! - 1, MAX_SLUG_TRIES)
      await this.askSlugs(
        collection,
        open.flatMap((base) => candidates(base).slice(upTo.get(base) ?? 0, reach(base))),
      )
      for (const base of open) upTo.set(base, reach(base))
      // Still open: fewer candidates known to be free than docs to give them to.
      const free = (base: string) =>
        candidates(base)
          .slice(0, upTo.get(base))
          .filter((c) => !taken.has(c)).length
      open = open.filter((base) => free(base) < docs.get(base)! && upTo.get(base)! < MAX_SLUG_TRIES)
      if (open.length === 0) break
    }
  }

  /** The slug of a new post (collections/Posts/derive.ts's base, made unique). */
  postSlug(title: string): Promise<string> {
    return this.uniqueSlug('posts', postSlugBase(title))
  }

  /** `prefetchSlugs` for new posts with these titles. */
  prefetchPostSlugs(titles: string[]): Promise<void> {
    return this.prefetchSlugs('posts', titles.map(postSlugBase))
  }

  /**
   * Keyed mode: finds the media of these URLs with one query per 500 (the images of a batch of
   * posts), instead of one per URL when each is linked.
   */
  async prefetchMedia(urls: Iterable<string>): Promise<void> {
    const ask = [...new Set(urls)].filter((u) => !this.media.has(u) && this.firstAsk(`media:${u}`))
    for (let i = 0; i < ask.length; i += 500) {
      const found = await this.find<{ id: Id; externalUrl?: string }>(
        'media',
        { externalUrl: { in: ask.slice(i, i + 500) } },
        { externalUrl: true },
      )
      for (const m of found) if (m.externalUrl) this.media.set(m.externalUrl, m.id)
    }
  }

  /**
   * Keyed mode: finds the categories of these names, and the authors of these bylines within their
   * source (`scoped`), with one query per 500 names each, instead of one per name when each is
   * linked; then which slugs the ones not found would take, for the whole batch at once.
   */
  async prefetchNames(
    categories: Iterable<string>,
    bylines: Iterable<{ name: string; outlet: Id }>,
  ): Promise<void> {
    if (this.mode !== 'keyed') return
    const names = [...new Set(categories)].filter(
      (n) => !this.categories.has(n) && this.firstAsk(`category:${n}`),
    )
    for (let i = 0; i < names.length; i += 500) {
      // Newest first, as the lookup of one name (the first found is kept).
      for (const c of await this.find<{ id: Id; name?: string }>(
        'categories',
        { name: { in: names.slice(i, i + 500) } },
        { name: true },
      ))
        if (c.name != null && !this.categories.has(c.name)) this.categories.set(c.name, c.id)
    }
    const wanted = new Map<string, { name: string; outlet: Id }>()
    for (const b of bylines) {
      const key = `${b.outlet}\u0000${b.name}`
      if (!this.authors.has(key) && !wanted.has(key) && this.firstAsk(`author:${key}`, true))
        wanted.set(key, b)
    }
    const byline = [...wanted.values()]
    for (let i = 0; i < byline.length; i += 500) {
      const chunk = byline.slice(i, i + 500)
      for (const a of await this.find<{ id: Id; name?: string; outlet?: Id | { id: Id } | null }>(
        'authors',
        {
          and: [
            { name: { in: [...new Set(chunk.map((b) => b.name))] } },
            { outlet: { in: [...new Set(chunk.map((b) => b.outlet))] } },
          ],
        },
        { name: true, outlet: true },
      )) {
        const outlet = typeof a.outlet === 'object' && a.outlet ? a.outlet.id : a.outlet
        const key = `${outlet ?? ''}\u0000${a.name}`
        if (wanted.has(key) && !this.authors.has(key)) this.authors.set(key, a.id)
      }
    }
    await this.prefetchSlugs(
      'categories',
      names.filter((n) => !this.categories.has(n)).map((n) => slugOrFallback(n, 'category')),
    )
    await this.prefetchSlugs(
      'authors',
      [...wanted]
        .filter(([key]) => !this.authors.has(key))
        .map(([, b]) => slugOrFallback(b.name, 'author')),
    )
  }

  async mediaId(url: string): Promise<Id> {
    let known = this.media.get(url)
    if (known == null && this.firstAsk(`media:${url}`)) {
      const [found] = await this.find<{ id: Id }>('media', { externalUrl: { equals: url } }, {})
      if (found) this.media.set(url, (known = found.id))
    }
    if (known != null) return known
    const id = await this.create('media', { externalUrl: url })
    this.remember(this.media, url, id)
    return id
  }

  /** The source of an archive file's outlet (by name), gaining the outlet's host. */
  async sourceId(outlet: { name: string; host?: string }): Promise<Id> {
    let known = this.sources.get(outlet.name)
    if (!known && this.firstAsk(`source:${outlet.name}`)) {
      const [found] = await this.find<{ id: Id; hostnames?: string[] }>(
        'sources',
        { name: { equals: outlet.name } },
        { hostnames: true },
      )
      if (found) {
        known = { id: found.id, hostnames: found.hostnames ?? [] }
        this.sources.set(outlet.name, known)
      }
    }
    if (known) {
      if (outlet.host && !known.hostnames.includes(outlet.host)) {
        known.hostnames = [...known.hostnames, outlet.host]
        this.sourceHostsDirty.add(outlet.name)
      }
      return known.id
    }
    const slug = await this.uniqueSlug('sources', slugOrFallback(outlet.name, 'source'))
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

  /** Sources whose hostnames grew, with their hostnames now. */
  grownSources(): { id: Id; hostnames: string[] }[] {
    return [...this.sourceHostsDirty].flatMap((name) => {
      const s = this.sources.get(name)
      return s ? [s] : []
    })
  }

  /**
   * An author by name: any author of that name (the archive importer), or, `scoped`, only an author
   * of the post's source (a feed's byline never attaches its post to another outlet's author).
   */
  async authorId(name: string, outlet: Id | undefined, scoped: boolean): Promise<Id> {
    const key = scoped ? `${outlet ?? ''}\u0000${name}` : name
    let known = this.authors.get(key)
    if (known == null && this.firstAsk(`author:${key}`, scoped)) {
      const where: Where = scoped
        ? {
            and: [
              { name: { equals: name } },
              outlet != null ? { outlet: { equals: outlet } } : { outlet: { exists: false } },
            ],
          }
        : { name: { equals: name } }
      const [found] = await this.find<{ id: Id }>('authors', where, {})
      if (found) this.authors.set(key, (known = found.id))
    }
    if (known != null) return known
    const slug = await this.uniqueSlug('authors', slugOrFallback(name, 'author'))
    const id = await this.create('authors', { name, slug, outlet })
    this.remember(this.authors, key, id)
    return id
  }

  async categoryId(name: string): Promise<Id> {
    let known = this.categories.get(name)
    if (known == null && this.firstAsk(`category:${name}`)) {
      const [found] = await this.find<{ id: Id }>('categories', { name: { equals: name } }, {})
      if (found) this.categories.set(name, (known = found.id))
    }
    if (known != null) return known
    const slug = await this.uniqueSlug('categories', slugOrFallback(name, 'category'))
    const id = await this.create('categories', { name, slug })
    this.remember(this.categories, name, id)
    return id
  }
}
