'use client'
import './../newsroom.scss'

import { useAuth } from '@payloadcms/ui'
import Link from 'next/link'
import React, { useCallback, useEffect, useState } from 'react'

import { ImportPanel } from '../imports/ImportPanel'
import {
  apiFetch,
  canEdit,
  EDITORIAL_STATE_KEYS,
  type EditorialState,
  useNewsroomTranslation,
  REVIEW_WORST_FIRST,
  useRoutes,
  whereParams,
} from '../shared'

type PostRow = {
  id: number | string
  title?: string | null
  editorialState?: EditorialState | null
  updatedAt?: string
  publishedAt?: string | null
  review?: { flagged?: boolean | null; fidelity?: number | null; warnings?: string[] | null } | null
}

type ScheduleItem = {
  postId: number | string
  title?: string
  action: 'publish' | 'unpublish'
  waitUntil: string
  /** Set on overdue jobs that ran and failed. */
  error?: string
}
type Schedule = { upcoming: ScheduleItem[]; overdue: ScheduleItem[] }

type Loaded<T> = { data?: T; error?: string }

type FailingSource = {
  id: number | string
  name?: string
  ingestStatus?: { failureStreak?: number | null; lastError?: string | null } | null
}

/** How often the desk refreshes itself, so scheduled jobs and imports show up without a reload. */
const POLL_MS = 4000

const postSelect = ['title', 'editorialState', 'updatedAt', 'publishedAt', 'review']

/**
 * The desk: what needs the signed-in user's attention, rendered above the collection cards of the
 * dashboard (admin.components.beforeDashboard). Everything is read over our own REST API with the
 * user's session, so access control is the same as everywhere else.
 */
export const DeskDashboard: React.FC = () => {
  const { user } = useAuth()
  const { t, i18n } = useNewsroomTranslation()
  const routes = useRoutes()
  const editor = canEdit(user)

  const [mine, setMine] = useState<Loaded<PostRow[]>>({})
  const [review, setReview] = useState<Loaded<PostRow[]>>({})
  const [flagged, setFlagged] = useState<Loaded<PostRow[]>>({})
  const [published, setPublished] = useState<Loaded<PostRow[]>>({})
  const [schedule, setSchedule] = useState<Loaded<Schedule>>({})
  const [failingFeeds, setFailingFeeds] = useState<Loaded<FailingSource[]>>({})

  const findPosts = useCallback(
    async (
      conditions: Array<[string, string, string]>,
      sort: string,
      limit = 8,
    ): Promise<PostRow[]> => {
      const params = whereParams(conditions)
      params.set('sort', sort)
      params.set('limit', String(limit))
      params.set('depth', '0')
      params.set('draft', 'true')
      for (const field of postSelect) params.set(`select[${field}]`, 'true')
      const body = await apiFetch<{ docs: PostRow[] }>(`${routes.api}/posts?${params}`)
      return body.docs
    },
    [routes.api],
  )

  const load = useCallback(async () => {
    if (!user) return
    const settle = async <T,>(set: (v: Loaded<T>) => void, work: () => Promise<T>) => {
      try {
        set({ data: await work() })
      } catch (err) {
        set({ error: err instanceof Error ? err.message : String(err) })
      }
    }
    await Promise.all([
      settle(setMine, () =>
        findPosts(
          [
            ['createdBy', 'equals', String(user.id)],
            ['editorialState', 'in', 'draft,changes_requested'],
          ],
          '-updatedAt',
        ),
      ),
      editor
        ? settle(setReview, () =>
            findPosts([['editorialState', 'equals', 'in_review']], 'updatedAt'),
          )
        : Promise.resolve(),
      editor
        ? // Worst first: the post that kept the least of its source's text is at the top.
          settle(setFlagged, () =>
            findPosts([['review.flagged', 'equals', 'true']], REVIEW_WORST_FIRST),
          )
        : Promise.resolve(),
      settle(setPublished, () =>
        findPosts([['_status', 'equals', 'published']], '-publishedAt', 5),
      ),
      settle(setSchedule, () => apiFetch<Schedule>(`${routes.api}/newsroom/schedule`)),
      editor
        ? settle(setFailingFeeds, async () => {
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
            const body = await apiFetch<{ docs: FailingSource[] }>(
              `${routes.api}/sources?${params}`,
            )
            return body.docs
          })
        : Promise.resolve(),
    ])
  }, [user, editor, findPosts, routes.api])

  useEffect(() => {
    void load()
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [load])

  const postHref = (id: number | string) => `${routes.admin}/collections/posts/${id}`
  const formatDate = (value?: null | string) =>
    value ? new Date(value).toLocaleString(i18n.language === 'zh' ? 'zh-CN' : 'en-GB') : ''

  const stateLabel = (state?: EditorialState | null) =>
    state && EDITORIAL_STATE_KEYS[state] ? t(EDITORIAL_STATE_KEYS[state]) : ''

  const postList = (loaded: Loaded<PostRow[]>, extra?: (post: PostRow) => React.ReactNode) => {
    if (loaded.error)
      return <p className="nr-muted">{t('newsroom:couldNotLoad', { message: loaded.error })}</p>
    if (!loaded.data) return <p className="nr-muted">{t('newsroom:loading')}</p>
    if (loaded.data.length === 0) return <p className="nr-muted">{t('newsroom:nothingHere')}</p>
    return (
      <ul className="nr-list">
        {loaded.data.map((post) => (
          <li key={post.id}>
            <Link href={postHref(post.id)}>{post.title || `#${post.id}`}</Link>
            {extra?.(post)}
          </li>
        ))}
      </ul>
    )
  }

  const scheduleList = (items: ScheduleItem[] | undefined, testId: string) => {
    if (schedule.error)
      return (
        <p className="nr-muted">{t('newsroom:scheduleUnavailable', { message: schedule.error })}</p>
      )
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
            <Link href={postHref(item.postId)}>{item.title || `#${item.postId}`}</Link>
            <span className="nr-muted"> {formatDate(item.waitUntil)}</span>
            {item.error && <div className="nr-error">{item.error}</div>}
          </li>
        ))}
      </ul>
    )
  }

  if (!user) return null

  return (
    <section className="nr-desk" data-testid="newsroom-desk">
      <header className="nr-desk__header">
        <h2>{t('newsroom:deskTitle')}</h2>
        <button className="nr-link-button" onClick={() => void load()} type="button">
          {t('newsroom:refresh')}
        </button>
      </header>
      <div className="nr-desk__grid">
        <div className="nr-card" data-testid="desk-my-drafts">
          <h3>{t('newsroom:myDrafts')}</h3>
          <p className="nr-hint">{t('newsroom:myDraftsHint')}</p>
          {postList(mine, (post) => (
            <span className="nr-muted"> · {stateLabel(post.editorialState)}</span>
          ))}
        </div>
        {editor && (
          <div className="nr-card" data-testid="desk-waiting-for-review">
            <h3>{t('newsroom:waitingForReview')}</h3>
            <p className="nr-hint">{t('newsroom:waitingForReviewHint')}</p>
            {postList(review, (post) => (
              <span className="nr-muted"> · {formatDate(post.updatedAt)}</span>
            ))}
          </div>
        )}
        <div className="nr-card" data-testid="desk-upcoming">
          <h3>{t('newsroom:upcoming')}</h3>
          <p className="nr-hint">{t('newsroom:upcomingHint')}</p>
          {scheduleList(schedule.data?.upcoming, 'desk-upcoming-list')}
        </div>
        <div className="nr-card" data-testid="desk-overdue">
          <h3>{t('newsroom:overdue')}</h3>
          <p className="nr-hint">{t('newsroom:overdueHint')}</p>
          {scheduleList(schedule.data?.overdue, 'desk-overdue-list')}
        </div>
        <div className="nr-card" data-testid="desk-recently-published">
          <h3>{t('newsroom:recentlyPublished')}</h3>
          {postList(published, (post) => (
            <span className="nr-muted"> · {formatDate(post.publishedAt)}</span>
          ))}
        </div>
        {editor && (
          <div className="nr-card" data-testid="desk-flagged">
            <h3>{t('newsroom:flaggedImports')}</h3>
            <p className="nr-hint">{t('newsroom:flaggedImportsHint')}</p>
            {postList(flagged, (post) => (
              <span className="nr-muted">
                {typeof post.review?.fidelity === 'number' &&
                  ` · ${t('newsroom:fidelity', { value: Math.round(post.review.fidelity * 100) })}`}
                {post.review?.warnings?.length
                  ? ` · ${t('newsroom:warningsCount', { count: post.review.warnings.length })}`
                  : ''}
              </span>
            ))}
          </div>
        )}
        {editor && (
          <div className="nr-card" data-testid="desk-failing-feeds">
            <h3>{t('newsroom:failingFeeds')}</h3>
            <p className="nr-hint">{t('newsroom:failingFeedsHint')}</p>
            {failingFeeds.error ? (
              <p className="nr-muted">
                {t('newsroom:couldNotLoad', { message: failingFeeds.error })}
              </p>
            ) : !failingFeeds.data ? (
              <p className="nr-muted">{t('newsroom:loading')}</p>
            ) : failingFeeds.data.length === 0 ? (
              <p className="nr-muted">{t('newsroom:nothingHere')}</p>
            ) : (
              <ul className="nr-list" data-testid="desk-failing-feeds-list">
                {failingFeeds.data.map((source) => (
                  <li key={source.id}>
                    <Link href={`${routes.admin}/collections/sources/${source.id}`}>
                      {source.name || `#${source.id}`}
                    </Link>
                    <span className="nr-muted">
                      {' · '}
                      {t('newsroom:failureStreak', {
                        count: source.ingestStatus?.failureStreak ?? 0,
                      })}
                    </span>
                    {source.ingestStatus?.lastError && (
                      <div className="nr-error">{source.ingestStatus.lastError}</div>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      {editor && <ImportPanel />}
    </section>
  )
}
