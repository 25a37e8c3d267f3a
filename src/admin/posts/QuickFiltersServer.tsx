import type { Payload } from 'payload'
import React from 'react'

import { CATEGORIES, SOURCES } from '../../lib/slugs'
import { smallCollectionTitles } from '../relatedTitles'
import { PostQuickFiltersView } from './QuickFilters'

/**
 * The posts list's quick filters, with the sources and categories to choose from read on the server
 * with the page (the same per-page read that names the rows' sources and categories), so the
 * filters are complete when the page is shown.
 */
export const PostQuickFilters = async ({ payload }: { payload: Payload }) => {
  const [sources, categories] = await Promise.all([
    smallCollectionTitles(payload, SOURCES),
    smallCollectionTitles(payload, CATEGORIES),
  ])
  return <PostQuickFiltersView categories={categories.docs} sources={sources.docs} />
}
