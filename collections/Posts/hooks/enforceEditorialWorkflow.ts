import { APIError, type CollectionBeforeChangeHook } from 'payload'

import type { Post } from '../../../src/payload-types'
import { refuseTransition, type EditorialState, type TransitionTarget } from '../workflow'
import { DRAFT_SAVE } from './explainPostRefusal'
import { USERS } from '../../../src/lib/slugs'

type LogEntry = NonNullable<Post['editorialLog']>[number]

/**
 * Enforces the editorial state machine (../workflow.ts) on every save that moves a post, whatever the
 * path (REST, GraphQL, the transition endpoint, the admin, a scheduled publish job), and appends each
 * move to `editorialLog` with the optional `editorialNote` sent along.
 *
 * Moves are `editorialState` changes, publishing (`_status` to published) and unpublishing. Saves made
 * by server code without a user (the importer, seeds, system jobs) are trusted: their updates are
 * logged, their creations start in whatever state they give.
 */
export const enforceEditorialWorkflow: CollectionBeforeChangeHook<Post> = ({
  data,
  originalDoc,
  req,
  operation,
}) => {
  const user = req.user
  // A create starts from nothing, also when Payload hands it the original of a duplicate.
  const from: EditorialState =
    operation === 'create'
      ? 'draft'
      : ((originalDoc?.editorialState as EditorialState | undefined) ?? 'draft')
  const to: EditorialState = (data.editorialState as EditorialState | undefined) ?? from
  const wasPublished = operation === 'update' && originalDoc?._status === 'published'
  const publishing = data._status === 'published' && !wasPublished
  const unpublishing = wasPublished && data._status === 'draft' && req.context[DRAFT_SAVE] !== true
  const note =
    typeof data.editorialNote === 'string' && data.editorialNote.trim()
      ? data.editorialNote.trim()
      : null

  const moves: Array<[TransitionTarget | 'published', TransitionTarget]> = []
  if (to !== from) moves.push([from, to])
  if (publishing) moves.push([to, 'published'])
  if (moves.length === 0 && !unpublishing) return data
  // A post created by server code (an import, a seed) starts wherever it says, with no history.
  if (!user && operation === 'create') return data

  if (user) {
    for (const [moveFrom, moveTo] of moves) {
      const refusal = refuseTransition(moveFrom as EditorialState, moveTo, user)
      if (!refusal) continue
      // The reason is the message itself (REST `errors[0].message`, GraphQL `errors[0].message`); the
      // field path lets the admin show it next to the field.
      const path = moveTo === 'published' ? '_status' : 'editorialState'
      throw new APIError(refusal.reason, refusal.status, {
        errors: [{ path, message: refusal.reason }],
      })
    }
  }

  const at = new Date().toISOString()
  const by = user?.collection === USERS ? user.id : null
  const entries: LogEntry[] = moves.map(([moveFrom, moveTo]) => ({
    from: moveFrom,
    to: moveTo,
    note,
    by,
    at,
  }))
  if (unpublishing) entries.push({ from: 'published', to: 'unpublished', note, by, at })
  data.editorialLog = [...(data.editorialLog ?? originalDoc?.editorialLog ?? []), ...entries]
  return data
}
