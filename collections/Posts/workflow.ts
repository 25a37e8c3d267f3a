import type { PayloadRequest } from 'payload'

import { isEditorUser } from '../../src/access/roles'

/**
 * The editorial state machine of a post, separate from Payload's draft/published `_status`:
 *
 *   draft ──▶ in_review ──▶ approved ──▶ published (`_status`)
 *              ▲  ▲    └──▶ changes_requested
 *              │  └──────────────┘
 *              └── approved (an editor reopens the review; any change by a non-editor does too,
 *                  see hooks/lockApprovedContent.ts)
 *
 * Writers submit their own posts for review (and resubmit after changes were requested); editors and
 * admins do that for any post, and alone approve, request changes and publish. Any move not listed is
 * illegal for everyone (400); a listed move made by a role that may not make it is forbidden (403).
 */
export const EDITORIAL_STATES = ['draft', 'in_review', 'changes_requested', 'approved'] as const
export type EditorialState = (typeof EDITORIAL_STATES)[number]
/** `published` is not an editorial state but Payload's `_status`; it is a transition target all the same. */
export type TransitionTarget = EditorialState | 'published'

type Who = 'writer' | 'editor'

/** Who may make each legal move. A writer only ever acts on their own posts (see access/). */
export const TRANSITIONS: Record<EditorialState, Partial<Record<TransitionTarget, Who[]>>> = {
  draft: { in_review: ['writer', 'editor'] },
  in_review: { approved: ['editor'], changes_requested: ['editor'] },
  changes_requested: { in_review: ['writer', 'editor'] },
  approved: { published: ['editor'], in_review: ['editor'] },
}

export const isTransitionTarget = (value: unknown): value is TransitionTarget =>
  value === 'published' || EDITORIAL_STATES.includes(value as EditorialState)

export type TransitionRefusal = { status: 400 | 403; reason: string }

const describe = (state: TransitionTarget) => state.replace('_', ' ')

/**
 * Whether `user` may move a post from `from` to `to`; `undefined` when allowed, else the HTTP status
 * and a reason an editor can act on.
 */
export const refuseTransition = (
  from: EditorialState,
  to: TransitionTarget,
  user: PayloadRequest['user'],
): TransitionRefusal | undefined => {
  const allowedRoles = TRANSITIONS[from]?.[to]
  if (!allowedRoles) {
    const next = Object.keys(TRANSITIONS[from] ?? {}) as TransitionTarget[]
    const hint =
      to === 'published'
        ? 'a post must be approved by an editor before it is published'
        : `from "${describe(from)}" a post can only go to ${next.map((s) => `"${describe(s)}"`).join(' or ')}`
    return {
      status: 400,
      reason: `Illegal editorial transition "${describe(from)}" → "${describe(to)}": ${hint}.`,
    }
  }
  const role: Who = isEditorUser(user) ? 'editor' : 'writer'
  if (!allowedRoles.includes(role)) {
    const verb = to === 'published' ? 'publish' : `move a post to "${describe(to)}"`
    return {
      status: 403,
      reason: `Only editors and admins may ${verb}; writers submit posts for review.`,
    }
  }
  return undefined
}
