import type { Payload } from 'payload'

import { chooseSink } from '../importer/sinks'
import type { PostDraft } from '../importer/transform'

/**
 * The one door from live ingest into the importer's write path. Everything feed-specific happens
 * before it (fetch, parse, identity); what passes through is the importer's own `PostDraft`, decided
 * (`src/importer/sinks/plan.ts`) and written by the importer's own sink, so an ingested item is
 * stored exactly as an imported one, and the importer's rule on what it may overwrite is ingest's.
 */

export type ArrivesAs = 'in_review' | 'published'

export type LoadEntry = {
  draft: PostDraft
  /** The source's setting: a draft in review for editors, or published at once. */
  arrivesAs: ArrivesAs
}

export type LoadOutcome =
  | { status: 'created' | 'updated' | 'unchanged'; id: number | string }
  | { status: 'conflict'; id: number | string; reason: string }
  | { status: 'failed'; reason: string }

/**
 * Writes the drafts (created, or updating the post with the same article URL) through the run's
 * sink; one outcome per entry, in order. A post the importer's plan will not write (unchanged, or a
 * conflict: not made by an import, or edited by staff since) is reported as such and left alone.
 * One failing post does not stop the others.
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
    const sink = chooseSink(payload, {
      status: arrivesAs === 'published' ? 'published' : 'draft',
      draftState: 'in_review',
      runId: options.runId,
    })
    try {
      await sink.prepare()
      for (const [{ draft }, i] of group) {
        const plan = sink.plan(draft.sourceUrl, draft.provenance.contentHash)
        if (plan.action === 'unchanged') {
          out[i] = { status: 'unchanged', id: plan.existing.id }
          continue
        }
        if (plan.action === 'conflict') {
          out[i] = { status: 'conflict', id: plan.existing.id, reason: plan.reason }
          continue
        }
        try {
          const { id } = await sink.write(draft, plan)
          if (id == null) throw new Error('the sink returned no id')
          out[i] = { status: plan.action === 'create' ? 'created' : 'updated', id }
        } catch (err) {
          payload.logger.error({ err, msg: `ingest: writing ${draft.sourceUrl} failed` })
          out[i] = { status: 'failed', reason: `not written: ${(err as Error).message}` }
        }
      }
      await sink.finish()
    } catch (err) {
      payload.logger.error({ err, msg: 'ingest: a batch of items could not be written' })
      await sink.rollback()
      for (const [, i] of group)
        out[i] = { status: 'failed', reason: `batch rolled back: ${(err as Error).message}` }
    }
  }
  return out
}
