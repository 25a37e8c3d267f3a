'use client'
import { Link, useDocumentInfo } from '@payloadcms/ui'
import React from 'react'

import { useNewsroomTranslation, useRoutes } from '../shared'

/**
 * On a source's page, a link to the posts list filtered by this source (the list's own source
 * filter, src/admin/posts/QuickFilters.tsx) instead of every post inline: one outlet has 10,754
 * posts, 538 pages above its ingest settings.
 */
export const SourcePostsLink: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const { id } = useDocumentInfo()
  const { admin } = useRoutes()
  if (id === undefined || id === null) return null
  const href = `${admin}/collections/posts?${new URLSearchParams({
    'where[and][0][source][equals]': String(id),
  })}`
  return (
    <div className="field-type" data-testid="source-posts-link">
      <Link href={href}>{t('newsroom:sourcePosts')}</Link>
    </div>
  )
}
