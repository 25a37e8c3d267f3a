/**
 * What the importer decides for one post, from what exists: pure, so every sink (the dry run
 * included) decides alike, and a dry run reports exactly what a real run would do.
 */

/** What the database holds for one source URL (read once per run, kept up to date by the sink). */
export type ExistingPost = {
  id: number | string
  slug?: string | null
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
  | { action: 'update'; existing: ExistingPost; repair?: string }
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
  if (!existing.contentHash && !existing.importRun) {
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
