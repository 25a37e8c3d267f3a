import type { CollectionBeforeChangeHook } from 'payload'

import type { Post } from '../../../src/payload-types'
import { publishedAtFor } from '../derive'

/**
 * Records who created a post (writers may only edit their own) and gives a post that is being
 * published without a date the time of publication.
 */
export const stampAuthorship: CollectionBeforeChangeHook<Post> = ({
  data,
  operation,
  req,
  originalDoc,
}) => {
  if (operation === 'create' && req.user && !data.createdBy) data.createdBy = req.user.id
  const publishedAt = publishedAtFor(data._status, data.publishedAt ?? originalDoc?.publishedAt)
  if (publishedAt && !data.publishedAt && !originalDoc?.publishedAt) data.publishedAt = publishedAt
  return data
}
