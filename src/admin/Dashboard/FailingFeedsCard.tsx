'use client'
import Link from 'next/link'
import React, { useCallback } from 'react'

import { apiFetch, useNewsroomTranslation, useRoutes, whereParams } from '../shared'
import { useDeskQuery } from './deskVersion'
import { CardState } from './PostsCard'

type FailingSource = {
  id: number | string
  name?: string
  ingestStatus?: { failureStreak?: number | null; lastError?: string | null } | null
}

/** Sources whose feed polls keep failing, the longest streak first. */
export const FailingFeedsCard: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const load = useCallback(async () => {
    const params = whereParams([
      ['ingest.enabled', 'equals', 'true'],
      ['ingestStatus.failureStreak', 'greater_than', '0'],
    ])
    params.set('sort', '-ingestStatus.failureStreak')
    params.set('limit', '20')
    params.set('depth', '0')
    params.set('select[name]', 'true')
    params.set('select[ingestStatus][failureStreak]', 'true')
    params.set('select[ingestStatus][lastError]', 'true')
    const body = await apiFetch<{ docs: FailingSource[] }>(`${routes.api}/sources?${params}`)
    return body.docs
  }, [routes.api])
  const sources = useDeskQuery(load)
  return (
    <div className="nr-card" data-testid="desk-failing-feeds">
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
