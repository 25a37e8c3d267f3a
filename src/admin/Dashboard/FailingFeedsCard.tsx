'use client'
import Link from 'next/link'
import React, { useCallback } from 'react'

import { apiFetch, useNewsroomTranslation, useRoutes } from '../shared'
import { failingFeedsQuery, type Loaded, restParams } from './deskQueries'
import { useDeskQuery } from './deskVersion'
import { CardState, isLoaded } from './PostsCard'

export type FailingSource = {
  id: number | string
  name?: string
  ingestStatus?: { failureStreak?: number | null; lastError?: string | null } | null
}

/** Sources whose feed polls keep failing, the longest streak first (`failingFeedsQuery`). */
export const FailingFeedsCard: React.FC<{ initial?: Loaded<FailingSource[]> }> = ({ initial }) => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const load = useCallback(async () => {
    const params = restParams(failingFeedsQuery)
    const body = await apiFetch<{ docs: FailingSource[] }>(`${routes.api}/sources?${params}`)
    return body.docs
  }, [routes.api])
  const sources = useDeskQuery(load, { initial })
  return (
    <div className="nr-card" data-loaded={isLoaded(sources)} data-testid="desk-failing-feeds">
      <h3>{t('newsroom:failingFeeds')}</h3>
      <p className="nr-hint">{t('newsroom:failingFeedsHint')}</p>
      <CardState loaded={sources}>
        {(rows) => (
          <ul className="nr-list" data-testid="desk-failing-feeds-list">
            {rows.map((source) => (
              <li key={source.id}>
                <Link href={`${routes.admin}/collections/sources/${source.id}`} prefetch={false}>
                  {source.name || `#${source.id}`}
                </Link>
                <span className="nr-muted">
                  {' · '}
                  {t('newsroom:failureStreak', { count: source.ingestStatus?.failureStreak ?? 0 })}
                </span>
                {source.ingestStatus?.lastError && (
                  <div className="nr-error">{source.ingestStatus.lastError}</div>
                )}
              </li>
            ))}
          </ul>
        )}
      </CardState>
    </div>
  )
}
