import type { PayloadRequest } from 'payload'

import { isEditorUser, isStaffUser } from '../../../src/access/roles'

export type PostLike = { createdBy?: unknown; _status?: string | null }
type User = PayloadRequest['user']

/** The id a relationship value points to, whether populated or not. */
const relationId = (value: unknown): unknown =>
  value != null && typeof value === 'object' && 'id' in value
    ? (value as { id: unknown }).id
    : value

/** Whether `user` created the post (writers may only touch their own). */
export const isOwnPost = (user: User, post: PostLike | undefined): boolean =>
  Boolean(
    user &&
    post &&
    relationId(post.createdBy) != null &&
    String(relationId(post.createdBy)) === String(user.id),
  )

/**
 * Why `user` may not make this change to a post, or `undefined` when the roles allow it. The access
 * functions answer the same question as a bare yes/no (that is what hides buttons in the admin); this
 * gives REST, GraphQL and the Local API the reason.
 */
export const refusePostChange = ({
  user,
  post,
  data,
}: {
  user: User
  /** The stored post; undefined when creating. */
  post?: PostLike
  data?: PostLike
}): string | undefined => {
  if (!user) return 'You must be logged in to change posts.'
  if (!isStaffUser(user)) return 'Only newsroom staff (admins, editors, writers) may change posts.'
  if (isEditorUser(user)) return undefined
  if (data?._status === 'published')
    return 'Only editors and admins may publish; writers submit posts for review.'
  if (!post) return undefined
  if (!isOwnPost(user, post)) return "Writers may edit only their own posts, not other people's."
  if (post._status === 'published') return 'Writers cannot edit a published post; ask an editor.'
  return undefined
}
