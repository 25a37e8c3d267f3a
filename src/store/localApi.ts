import type { Id, RelatedCollection } from './writer'
import { StoreSink } from './writer'
import { POSTS, SOURCES } from '../lib/slugs'

type Row = Record<string, unknown>

/**
 * The reference: every doc through the Local API (`payload.create` / `update`), so every hook runs
 * (slugs, `contentHtml` and excerpt rendered by the Posts hook, the editorial log, versions saved by
 * Payload). Used on MongoDB and wherever no faster sink is proven equal to it.
 */
export class LocalApiSink extends StoreSink {
  readonly kind = 'local-api' as const
  protected override readonly transactionPerPost = true

  private get common() {
    return { req: this.req, overrideAccess: true, depth: 0 } as const
  }

  protected async insert(collection: RelatedCollection, data: Row): Promise<Id> {
    const doc = await this.payload.create({ collection, data: data as never, ...this.common })
    return doc.id as Id
  }

  protected async insertPost(data: Row): Promise<Id> {
    const doc = await this.payload.create({
      collection: POSTS,
      data: data as never,
      draft: data._status === 'draft',
      ...this.common,
    })
    return doc.id as Id
  }

  protected async updatePost(id: Id, data: Row): Promise<void> {
    await this.payload.update({
      collection: POSTS,
      id,
      data: data as never,
      draft: data._status === 'draft',
      ...this.common,
    })
  }

  /** A draft save of a published post stores a version only: readers keep the published post. */
  protected async saveDraftVersion(id: Id, data: Row): Promise<void> {
    await this.payload.update({
      collection: POSTS,
      id,
      data: data as never,
      draft: true,
      ...this.common,
    })
  }

  protected async updateSourceHosts(id: Id, hostnames: string[]): Promise<void> {
    await this.payload.update({ collection: SOURCES, id, data: { hostnames }, ...this.common })
  }
}
