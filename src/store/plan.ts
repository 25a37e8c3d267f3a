/**
 * The store's decisions, from what exists: pure, so every write path (the dry run included) decides
 * alike, and a dry run reports exactly what a real run would do. `planPost` is the archive importer's
 * rule for one file; `planItem` is the ownership rule of a feed item (a source writes only its own
 * posts), built on it.
 */

type Id = number | string

/** What the database holds of one post that a key matched (kept up to date by the store's writes). */
export type ExistingPost = {
  id: Id
  slug?: string | null
  /** The link as stored (an archive post: its archive key; an ingested one: as the feed wrote it). */
  sourceUrl?: string | null
  /** `identity.url`: the link's matching key (./identity.ts `matchKey`). */
  urlKey?: string | null
  /** `identity.guid`: the item's guid within its source, when it is not a permalink. */
  guid?: string | null
  /** The source the post belongs to. */
  sourceId?: Id | null
  /** `_status` of the post (`published` is what readers see). */
  status?: string | null
  editorialState?: string | null
  /** `provenance.contentHash`: the archive file (and transform version) the post was made from. */
  contentHash?: string | null
  /** `provenance.importRun`: the run that created it. */
  importRun?: string | null
  /** `provenance.importedAt`: when the importer last wrote it. */
  importedAt?: string | null
  updatedAt?: string | null
  /** `updatedAt` of its latest version; undefined when it has none (a write cut short by a crash). */
  versionUpdatedAt?: string | null
}

export type PostPlan =
  | { action: 'create' }
  | {
      action: 'update'
      existing: ExistingPost
      repair?: string
      /**
       * The post readers see stays as it is: the change is saved as a draft version in review
       * (an ingested change to a published or approved post, as the source's setting says).
       */
      asDraftForReview?: boolean
    }
  | { action: 'unchanged'; existing: ExistingPost }
  | {
      action: 'conflict'
      existing: ExistingPost
      /** `foreign`: no import made the post; `edited`: staff saved it since the import wrote it. */
      cause: 'foreign' | 'edited'
      reason: string
    }

/**
 * How much later than `importedAt` a save may be stamped and still be the importer's own: the Local
 * API stamps `updatedAt` itself a moment after the importer stamped `importedAt`. A person's edit
 * comes later than this.
 */
export const EDIT_GRACE_MS = 2000

/** A post made by staff, not by an import or ingest (no import provenance). */
export const madeByStaff = (p: ExistingPost): boolean => !p.contentHash && !p.importRun

const later = (at: string | null | undefined, than: string): boolean =>
  !!at && Date.parse(at) - Date.parse(than) > EDIT_GRACE_MS

/**
 * The importer's rule for one file whose post may exist:
 * - no post with its URL: create;
 * - a post the importer did not make (no import provenance): conflict, never overwritten or published;
 * - an imported post without a version (an earlier run cut short between the two): rewrite it;
 * - the same file as last time: unchanged;
 * - an imported post edited since the importer last wrote it (the post or its latest version saved
 *   later): conflict, so a changed archive file never silently undoes a person's edit;
 * - else update.
 */
export const planPost = (existing: ExistingPost | undefined, contentHash: string): PostPlan => {
  if (!existing) return { action: 'create' }
  if (madeByStaff(existing)) {
    return {
      action: 'conflict',
      existing,
      cause: 'foreign',
      reason: `post ${existing.id} has this URL but was not created by an import; left as it is (edit its Original URL or delete it to import this file)`,
    }
  }
  if (existing.versionUpdatedAt === undefined) {
    return {
      action: 'update',
      existing,
      repair: `repaired post ${existing.id}: it had no version (an earlier import was interrupted)`,
    }
  }
  if (existing.contentHash === contentHash) return { action: 'unchanged', existing }
  if (
    existing.importedAt &&
    (later(existing.updatedAt, existing.importedAt) ||
      later(existing.versionUpdatedAt, existing.importedAt))
  ) {
    return {
      action: 'conflict',
      existing,
      cause: 'edited',
      reason: `post ${existing.id} was edited after its import on ${existing.importedAt}; the archive file changed, the edit is kept (review it and delete or re-import by hand)`,
    }
  }
  return { action: 'update', existing }
}

/** A post readers see, or one an editor approved: ingest never changes it without review. */
const isPublishedOrApproved = (p: ExistingPost): boolean =>
  p.status === 'published' || p.editorialState === 'approved'

/** What a feed item is, for the ownership rule. */
export type ItemIdentity = {
  /** The item's guid within its source, when it is not its permalink. */
  guid?: string
  /** The matching key of its link (./identity.ts `matchKey`). */
  urlKey: string
  /** The archive's key of its link (archive posts stored before `identity.url` existed). */
  archiveKey?: string
}

/** The polling source and its settings. */
export type PollingSource = {
  id: Id
  /** `ingest.arrivesAs`: new items are published at once, or drafts in review. */
  arrivesAs: 'published' | 'in_review'
  /**
   * `ingest.publishedChanges`: a changed item whose post is published or approved becomes a draft
   * version in review (`review`; readers keep the published post), or is left alone (`keep`).
   */
  publishedChanges: 'review' | 'keep'
}

export type ItemPlan =
  | PostPlan
  | {
      action: 'duplicate'
      existing: ExistingPost
      reason: string
    }

/** True when the post was found by this item's link. */
const linkMatches = (p: ExistingPost, item: ItemIdentity): boolean =>
  (!!p.urlKey && p.urlKey === item.urlKey) ||
  (!!item.archiveKey && !!p.sourceUrl && p.sourceUrl === item.archiveKey)

/**
 * The ownership rule for one feed item, given the posts its keys matched (`candidates`, any source):
 *
 * - the item's own post is a post of the polling source with its guid, or (for an item without a
 *   guid of its own, or a post that has none) with its link. Items that share one link (a podcast
 *   whose items all link to its homepage) but have guids of their own are different items;
 * - that post is decided by the importer's rule (`planPost`): a post staff made, or edited since it
 *   was written, is a conflict and left as it is; and a change to a published or approved post never
 *   unpublishes it: it goes back to review as the source's setting says (`publishedChanges`), unless
 *   the source publishes its items at once;
 * - no own post, but the link matches another source's post or a post staff made: `duplicate`,
 *   naming it (syndication is normal); nothing there changes;
 * - else `create`.
 */
export const planItem = (
  candidates: ExistingPost[],
  item: ItemIdentity,
  contentHash: string,
  source: PollingSource,
): ItemPlan => {
  const ours = (p: ExistingPost) => p.sourceId != null && String(p.sourceId) === String(source.id)
  const own =
    (item.guid ? candidates.find((p) => ours(p) && p.guid === item.guid) : undefined) ??
    candidates.find(
      (p) => ours(p) && linkMatches(p, item) && (!item.guid || !p.guid || p.guid === item.guid),
    )
  if (own) {
    const plan = planPost(own, contentHash)
    if (plan.action !== 'update' || plan.repair) return plan
    if (isPublishedOrApproved(own) && source.arrivesAs !== 'published') {
      if (source.publishedChanges === 'keep')
        return {
          action: 'conflict',
          existing: own,
          cause: 'edited',
          reason: `post ${own.id} is ${own.status === 'published' ? 'published' : 'approved'}; the item changed upstream and the source keeps such posts as they are`,
        }
      return { ...plan, asDraftForReview: true }
    }
    return plan
  }
  const other = candidates.find((p) => !ours(p) && linkMatches(p, item))
  if (other) {
    const whose = madeByStaff(other)
      ? 'a post staff made'
      : other.sourceId == null
        ? 'a post of no source'
        : `a post of source ${other.sourceId}`
    return {
      action: 'duplicate',
      existing: other,
      reason: `same article as post ${other.id} (${whose}${other.slug ? `, "${other.slug}"` : ''}); left as it is`,
    }
  }
  return { action: 'create' }
}
