import type { Payload } from 'payload'

import type { BulkWriter } from './bulk'
import { JsonText } from './jsonText'
import { PostgresBulkWriter } from './postgres'
import { SqliteBulkWriter } from './sqlite'
import type { Id, RelatedCollection } from './writer'
import { StoreSink } from './writer'
import { POSTS, SOURCES } from '../lib/slugs'

type Row = Record<string, unknown>

/**
 * The version saved together with the post's row: its source document (`provenance.source`, the
 * archive file as read, as big as the article) is the row's, stored once, not again in the version
 * (a third of a gigabyte, and 4% of the import's time, on the 64k archive). Readers take a version's
 * source document, else its post row's: export (src/export), and an update through Payload, which
 * starts from the latest version (collections/Posts/hooks/keepSourceDocument.ts). A draft version
 * saved alone (`saveDraftVersion`) keeps its own: the row holds another.
 */
export const versionOfRow = (data: Row): Row => {
  const provenance = data.provenance as Row | undefined
  if (provenance?.source == null) return data
  return { ...data, provenance: { ...provenance, source: null } }
}

/** The field `versionOfRow` leaves to the row, as the bulk writer names it (`createVersionOf`). */
const LEFT_TO_THE_ROW = ['provenance.source'] as const

/**
 * Writes at the database adapter level (`payload.db.*`, any adapter): the rows `payload.create` would
 * store, without running the collection hooks a second time; what the hooks derive comes from
 * collections/Posts/derive.ts, which the hooks call too.
 */
export class AdapterSink extends StoreSink {
  readonly kind: 'adapter' | 'bulk' = 'adapter'

  protected async insert(collection: RelatedCollection, data: Row): Promise<Id> {
    const doc = await this.payload.db.create({
      collection,
      data,
      req: this.req,
      // Read back only the id: the full read-back is most of the cost of an insert.
      select: { id: true },
    })
    return doc.id as Id
  }

  protected async insertPost(data: Row): Promise<Id> {
    const doc = await this.payload.db.create({
      collection: POSTS,
      data,
      req: this.req,
      select: { id: true },
    })
    const id = doc.id as Id
    await this.version(id, versionOfRow(data), data.createdAt as string)
    return id
  }

  protected async updatePost(id: Id, data: Row): Promise<void> {
    const updated = await this.payload.db.updateOne({
      collection: POSTS,
      id,
      data,
      req: this.req,
      select: { id: true, createdAt: true },
    })
    await this.version(
      id,
      versionOfRow(data),
      (updated as { createdAt?: string })?.createdAt ?? this.now(),
    )
  }

  /** The draft version `payload.update({ draft: true })` saves: the post's own row is left alone. */
  protected async saveDraftVersion(id: Id, data: Row): Promise<void> {
    await this.version(id, data, this.now())
  }

  /** The version `payload.create`/`update` saves with the doc (`latest: true`; older ones unset). */
  protected async version(id: Id, data: Row, createdAt: string) {
    const now = data.updatedAt as string
    await this.payload.db.createVersion({
      collectionSlug: POSTS,
      parent: id,
      versionData: { ...data, id, createdAt } as never,
      autosave: false,
      createdAt: now,
      updatedAt: now,
      req: this.req,
      returning: false,
    })
  }

  protected async updateSourceHosts(id: Id, hostnames: string[]): Promise<void> {
    await this.payload.db.updateOne({
      collection: SOURCES,
      id,
      data: { hostnames },
      req: this.req,
      returning: false,
    })
  }
}

/** True where the database has a bulk writer (SQLite, PostgreSQL). */
export const hasBulkWriter = (payload: Payload): boolean =>
  SqliteBulkWriter.supported(payload) || PostgresBulkWriter.supported(payload)

/**
 * The bulk path: new docs go through the database's bulk writer (./bulk.ts; SQLite: ./sqlite.ts,
 * PostgreSQL: ./postgres.ts, chosen here by the adapter), the same rows laid out by the adapter's own
 * function, buffered and inserted with multi-row INSERTs when a batch commits, inside the batch's
 * transaction. Updates (and any layout the writer does not handle) use the adapter path, after what
 * is buffered.
 */
export class BulkSink extends AdapterSink {
  override readonly kind = 'bulk' as const
  private bulk!: BulkWriter

  override async prepare() {
    const getReq = () => this.req
    const writer = SqliteBulkWriter.supported(this.payload)
      ? new SqliteBulkWriter(this.payload, getReq)
      : PostgresBulkWriter.supported(this.payload)
        ? new PostgresBulkWriter(this.payload, getReq)
        : undefined
    if (!writer) throw new Error('the bulk sink needs the SQLite or the PostgreSQL adapter')
    this.bulk = await writer.init()
    await super.prepare()
  }

  protected override async flush() {
    await this.bulk.flush()
  }

  /** The content's text, stored as it is (a post and its version share it). */
  protected override contentValue(text: string): unknown {
    return new JsonText(text)
  }

  protected override discard() {
    this.bulk.discard()
  }

  /** An adapter-level write, after what is buffered, failing alone (see `BulkWriter.isolated`). */
  private async adapterWrite<T>(write: () => Promise<T>): Promise<T> {
    // Adapter-level writes see everything buffered so far (and ids the bulk writer has not used).
    await this.bulk.flush()
    return this.bulk.isolated(write)
  }

  protected override async insert(collection: RelatedCollection, data: Row): Promise<Id> {
    const created = await this.bulk.create(collection, data)
    if (created) return created.id
    return this.adapterWrite(() => super.insert(collection, data))
  }

  protected override async insertPost(data: Row): Promise<Id> {
    const created = await this.bulk.create(POSTS, data)
    if (!created) return this.adapterWrite(() => super.insertPost(data))
    const now = data.updatedAt as string
    await this.bulk.createVersionOf(POSTS, created.layout, {
      parent: created.id,
      createdAt: now,
      updatedAt: now,
      unset: (data.provenance as Row | undefined)?.source == null ? [] : LEFT_TO_THE_ROW,
    })
    return created.id
  }

  protected override async updatePost(id: Id, data: Row): Promise<void> {
    await this.adapterWrite(() => super.updatePost(id, data))
  }

  protected override async saveDraftVersion(id: Id, data: Row): Promise<void> {
    await this.adapterWrite(() => super.saveDraftVersion(id, data))
  }

  protected override async updateSourceHosts(id: Id, hostnames: string[]): Promise<void> {
    await this.adapterWrite(() => super.updateSourceHosts(id, hostnames))
  }
}
