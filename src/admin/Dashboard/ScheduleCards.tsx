'use client'
import Link from 'next/link'
import React, { useCallback } from 'react'

import { apiFetch, useFormatDate, useNewsroomTranslation, useRoutes } from '../shared'
import type { Loaded } from './deskQueries'
import { useDeskQuery } from './deskVersion'
import { isLoaded } from './PostsCard'

type ScheduleItem = {
  postId: number | string
  title?: string
  action: 'publish' | 'unpublish'
  waitUntil: string
  /** Set on overdue jobs that ran and failed. */
  error?: string
}
export type Schedule = { upcoming: ScheduleItem[]; overdue: ScheduleItem[] }

const ScheduleList: React.FC<{ items?: ScheduleItem[]; error?: string; testId: string }> = ({
  items,
  error,
  testId,
}) => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const formatDate = useFormatDate()
  if (error)
    return <p className="nr-muted">{t('newsroom:scheduleUnavailable', { message: error })}</p>
  if (!items) return <p className="nr-muted">{t('newsroom:loading')}</p>
  if (items.length === 0) return <p className="nr-muted">{t('newsroom:nothingHere')}</p>
  return (
    <ul className="nr-list" data-testid={testId}>
      {items.map((item) => (
        <li key={`${item.postId}-${item.action}-${item.waitUntil}`}>
          <span className={`nr-pill nr-pill--${item.action}`}>
            {item.action === 'publish'
              ? t('newsroom:actionPublish')
              : t('newsroom:actionUnpublish')}
          </span>
          <Link href={`${routes.admin}/collections/posts/${item.postId}`} prefetch={false}>
            {item.title || `#${item.postId}`}
          </Link>
          <span className="nr-muted"> {formatDate(item.waitUntil)}</span>
          {item.error && <div className="nr-error">{item.error}</div>}
        </li>
      ))}
    </ul>
  )
}

/** The upcoming and overdue scheduled jobs: two cards over one read of the schedule. */
export const ScheduleCards: React.FC<{ initial?: Loaded<Schedule> }> = ({ initial }) => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const load = useCallback(
    () => apiFetch<Schedule>(`${routes.api}/newsroom/schedule`),
    [routes.api],
  )
  const schedule = useDeskQuery(load, { initial })
  return (
    <>
      <div className="nr-card" data-loaded={isLoaded(schedule)} data-testid="desk-upcoming">
        <h3>{t('newsroom:upcoming')}</h3>
        <p className="nr-hint">{t('newsroom:upcomingHint')}</p>
        <ScheduleList
          error={schedule.error}
          items={schedule.data?.upcoming}
          testId="desk-upcoming-list"
        />
      </div>
      <div className="nr-card" data-loaded={isLoaded(schedule)} data-testid="desk-overdue">
        <h3>{t('newsroom:overdue')}</h3>
        <p className="nr-hint">{t('newsroom:overdueHint')}</p>
        <ScheduleList
          error={schedule.error}
          items={schedule.data?.overdue}
          testId="desk-overdue-list"
        />
      </div>
    </>
  )
}
