import { addDataAndFileToRequest, APIError, type Endpoint } from 'payload'

import { EDITORIAL_STATES, isTransitionTarget } from '../workflow'
import { POSTS } from '../../../src/lib/slugs'

/**
 * `POST /api/posts/:id/transition` — moves a post through the editorial workflow. The contract the
 * admin's workflow buttons are built on; keep it stable:
 *
 *   request:  JSON `{ "to": "in_review" | "approved" | "changes_requested" | "published", "note"?: string }`
 *             authenticated like any Payload request (`Authorization: JWT …`, the admin's cookie, or an API key)
 *   200:      `{ "message": "…", "doc": <the post, depth 0> }`; the move is appended to `doc.editorialLog`
 *             as `{ from, to, note, by, at }`
 *   400:      `{ "errors": [{ "message": <reason> }] }` bad body, or a move the workflow does not have
 *             (e.g. draft → approved, or publishing a post that is not approved)
 *   401:      not logged in
 *   403:      `{ "errors": [{ "message": <reason> }] }` the move exists but this user may not make it
 *             (a writer approving or publishing, a writer moving someone else's post)
 *   404:      no post with that id
 *
 * It is a thin shell over a normal `update` with `overrideAccess: false`: the rules live in the access
 * functions and the `enforceEditorialWorkflow` hook, so REST PATCH and GraphQL `updatePost` changing
 * `editorialState` (with the virtual `editorialNote`) obey exactly the same rules.
 */
export const transitionEndpoint: Endpoint = {
  path: '/:id/transition',
  method: 'post',
  handler: async (req) => {
    if (!req.user)
      throw new APIError('You must be logged in to move a post through the workflow.', 401)
    await addDataAndFileToRequest(req)
    const { to, note } = (req.data ?? {}) as { to?: unknown; note?: unknown }
    if (!isTransitionTarget(to)) {
      throw new APIError(
        `"to" must be one of ${[...EDITORIAL_STATES, 'published'].map((s) => `"${s}"`).join(', ')}; got ${JSON.stringify(to ?? null)}.`,
        400,
      )
    }
    if (note != null && typeof note !== 'string')
      throw new APIError('"note" must be a string when given.', 400)
    const rawId = String(req.routeParams?.id)
    const id = req.payload.db.defaultIDType === 'number' ? Number(rawId) : rawId
    if (typeof id === 'number' && !Number.isInteger(id))
      throw new APIError(`No post with id "${rawId}".`, 404)
    const doc = await req.payload.update({
      collection: POSTS,
      id,
      data:
        to === 'published'
          ? { _status: 'published', editorialNote: note }
          : { editorialState: to, editorialNote: note },
      depth: 0,
      overrideAccess: false,
      req,
    })
    return Response.json({ message: `Post moved to "${to}".`, doc })
  },
}
