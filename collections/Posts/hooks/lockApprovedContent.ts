import { APIError, type CollectionBeforeChangeHook } from 'payload'

import { isEditorUser } from '../../../src/access/roles'
import type { Post } from '../../../src/payload-types'
import { approvalFingerprint } from '../approval'
import { USERS } from '../../../src/lib/slugs'

type LogEntry = NonNullable<Post['editorialLog']>[number]

/**
 * Approval covers exactly the text the editor saw. Runs last among the post's `beforeChange` hooks,
 * on the post as it will be stored:
 *
 * - approving (and creating a post already approved, which only server code may) records the
 *   fingerprint of what readers would see (`approvedFingerprint`, see ../approval.ts);
 * - an editor changing an approved post re-records it: the editor made the change;
 * - anyone else changing it (a writer's save or autosave, server code such as a re-import) sends the
 *   post back to `in_review`, with an entry in the editorial log. A writer's work is kept, not refused:
 *   autosave would otherwise lose it;
 * - publishing (a scheduled job included) an approved post whose content is not the approved
 *   content is refused (409, with the reason, which a job records as its error). Posts approved before
 *   fingerprints were recorded carry none and publish as before.
 */
export const lockApprovedContent: CollectionBeforeChangeHook<Post> = ({
  data,
  operation,
  originalDoc,
  req,
}) => {
  const defined = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined))
  const after: Partial<Post> = { ...(originalDoc ?? {}), ...defined }
  const fingerprint = approvalFingerprint(after)
  const from = originalDoc?.editorialState ?? 'draft'

  if (operation === 'create' || from !== 'approved') {
    if (after.editorialState === 'approved') data.approvedFingerprint = fingerprint
    return data
  }
  const wasPublished = originalDoc?._status === 'published'
  const changed = fingerprint !== approvalFingerprint(originalDoc ?? {})
  if (changed && after.editorialState === 'approved' && !wasPublished) {
    if (isEditorUser(req.user)) {
      data.approvedFingerprint = fingerprint
    } else {
      const entry: LogEntry = {
        from: 'approved',
        to: 'in_review',
        note: req.user
          ? 'Changed after approval; back in review until an editor approves it again.'
          : 'Changed by the system (e.g. a re-import) after approval; back in review.',
        by: req.user?.collection === USERS ? req.user.id : null,
        at: new Date().toISOString(),
      }
      data.editorialState = 'in_review'
      data.approvedFingerprint = null
      data.editorialLog = [...(data.editorialLog ?? originalDoc?.editorialLog ?? []), entry]
      // Not published as it is any more: a publish in this same save is refused below by the workflow.
      if (data._status === 'published') {
        throw new APIError(
          'This post changed after it was approved; an editor must approve it again before it is published.',
          409,
          { errors: [{ path: '_status', message: 'Changed after approval.' }] },
        )
      }
      return data
    }
  }
  const publishing = data._status === 'published' && !wasPublished
  const approved = data.approvedFingerprint ?? originalDoc?.approvedFingerprint
  if (publishing && approved && approved !== fingerprint) {
    throw new APIError(
      'Not published: this post changed after an editor approved it, and nobody approved the change. Send it back to review and approve it again.',
      409,
      { errors: [{ path: '_status', message: 'Changed since approval.' }] },
    )
  }
  return data
}
