import type { Payload } from 'payload'

import { Loader } from '../importer/load'
import type { PostDraft } from '../importer/transform'

/**
 * The one door from live ingest into the importer's write path. Everything feed-specific happens
 * before it (fetch, parse, identity, conflict checks); what passes through is the importer's own
 * `PostDraft`, written by the importer's own loader, so an ingested item is stored exactly as an
 * imported one. When the importer's write path changes, this function is the only place to re-point.
 */

export type ArrivesAs = 'in_review' | 'published'

export type LoadEntry = {
  draft: PostDraft
  /** The source's setting: a draft in review for editors, or published at once. */
  arrivesAs: ArrivesAs
}

export type LoadOutcome =
  { status: 'created' | 'updated'; id: number | string } | { status: 'failed'; reason: string }

/**
 * Writes the drafts (created, or updating the post with the same article URL); one outcome per entry,
 * in order. One failing post does not stop the others.
 */
export const loadItems = async (
  payload: Payload,
  entries: LoadEntry[],
  options: { runId: string },
): Promise<LoadOutcome[]> => {
  const out: LoadOutcome[] = new Array(entries.length)
  for (const arrivesAs of ['in_review', 'published'] as const) {
    const group = entries.map((e, i) => [e, i] as const).filter(([e]) => e.arrivesAs === arrivesAs)
    if (group.length === 0) continue
    const loader = new Loader(payload, {
      status: arrivesAs === 'published' ? 'published' : 'draft',
      draftState: 'in_review',
      runId: options.runId,
    })
    try {
      await loader.prepare()
      for (const [entry, i] of group) {
        try {
          const { id, status } = await loader.write(
            entry.draft,
            loader.existing(entry.draft.sourceUrl),
          )
          out[i] = { status, id }
        } catch (err) {
          payload.logger.error({ err, msg: `ingest: writing ${entry.draft.sourceUrl} failed` })
          out[i] = { status: 'failed', reason: `not written: ${(err as Error).message}` }
        }
      }
      await loader.finish()
    } catch (err) {
      payload.logger.error({ err, msg: 'ingest: a batch of items could not be written' })
      await loader.rollback()
      for (const [, i] of group)
        out[i] = { status: 'failed', reason: `batch rolled back: ${(err as Error).message}` }
    }
  }
  return out
}
