import type { Payload } from 'payload'

import type { PostDraft } from '../store/draft'
import { chooseSink, type PostPlan, type WriteContext } from '../store'

/**
 * The one door from live ingest into the post store. Everything feed-specific happens before it
 * (fetch, parse, identity, the plan of the store's ownership rule, `planItem`); what passes through
 * is the importer's own `PostDraft` with the plan made for it once, written by the store's write
 * path, so an ingested item is stored exactly as an imported one.
 */

export type ArrivesAs = 'in_review' | 'published'

export type LoadEntry = {
  draft: PostDraft
  /** The source's setting: a draft in review for editors, or published at once. */
  arrivesAs: ArrivesAs
  /** The store's plan for the item (made once, when the poll looked its keys up). */
  plan: PostPlan & { action: 'create' | 'update' }
  /** Whose post it is (the polling source) and its guid. */
  context: WriteContext
}

export type LoadOutcome =
  { status: 'created' | 'updated'; id: number | string } | { status: 'failed'; reason: string }

/**
 * Writes the drafts as planned, in one batch per `arrivesAs` (the store's batches and transactions);
 * one outcome per entry, in order. One failing post does not stop the others.
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
    const store = chooseSink(payload, {
      status: arrivesAs === 'published' ? 'published' : 'draft',
      draftState: 'in_review',
      runId: options.runId,
      lookup: 'keyed',
    })
    try {
      await store.prepare()
      await store.prefetch(group.map(([e]) => e))
      for (const [{ draft, plan, context }, i] of group) {
        try {
          const { id } = await store.write(draft, plan, context)
          if (id == null) throw new Error('the store returned no id')
          out[i] = { status: plan.action === 'create' ? 'created' : 'updated', id }
        } catch (err) {
          payload.logger.error({ err, msg: `ingest: writing ${draft.sourceUrl} failed` })
          out[i] = { status: 'failed', reason: `not written: ${(err as Error).message}` }
        }
      }
      await store.finish()
      // Items of a batch the database refused, written again one at a time by the store.
      for (const r of store.takeRewritten()) {
        const i = group.find(([e]) => e.draft === r.draft)?.[1]
        if (i === undefined) continue
        const was = out[i]
        out[i] =
          'id' in r
            ? { status: was?.status === 'updated' ? 'updated' : 'created', id: r.id }
            : {
                status: 'failed',
                reason: `not written, the database refused it: ${r.error.message}`,
              }
      }
    } catch (err) {
      payload.logger.error({ err, msg: 'ingest: a batch of items could not be written' })
      await store.rollback()
      for (const [, i] of group)
        out[i] = { status: 'failed', reason: `batch rolled back: ${(err as Error).message}` }
    }
  }
  return out
}
