'use client'
import './../newsroom.scss'

import { useAuth } from '@payloadcms/ui'
import React from 'react'

import { ImportPanel } from '../imports/ImportPanel'
import {
  canEdit,
  EDITORIAL_STATE_KEYS,
  REVIEW_WORST_FIRST,
  useFormatDate,
  useNewsroomTranslation,
} from '../shared'
import { DeskVersionProvider, useDeskVersion } from './deskVersion'
import { FailingFeedsCard } from './FailingFeedsCard'
import { PostsCard, type PostRow } from './PostsCard'
import { ScheduleCards } from './ScheduleCards'

const RefreshButton: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const desk = useDeskVersion()
  return (
    <button className="nr-link-button" onClick={() => desk?.refresh()} type="button">
      {t('newsroom:refresh')}
    </button>
  )
}

const FidelityDetail: React.FC<{ post: PostRow }> = ({ post }) => {
  const { t } = useNewsroomTranslation()
  return (
    <span className="nr-muted">
      {typeof post.review?.fidelity === 'number' &&
        ` · ${t('newsroom:fidelity', { value: Math.round(post.review.fidelity * 100) })}`}
      {post.review?.warnings?.length
        ? ` · ${t('newsroom:warningsCount', { count: post.review.warnings.length })}`
        : ''}
    </span>
  )
}

/**
 * The desk: what needs the signed-in user's attention, rendered above the collection cards of the
 * dashboard (admin.components.beforeDashboard). Each card loads its own data over our REST API with
 * the user's session (so access control is the same as everywhere else), once on mount and again
 * only when the desk's version counter moves (see deskVersion.tsx).
 */
export const DeskDashboard: React.FC = () => {
  const { user } = useAuth()
  const { t } = useNewsroomTranslation()
  const formatDate = useFormatDate()
  if (!user) return null
  const editor = canEdit(user)
  const muted = (text: string) => <span className="nr-muted"> · {text}</span>

  return (
    <DeskVersionProvider>
      <section className="nr-desk" data-testid="newsroom-desk">
        <header className="nr-desk__header">
          <h2>{t('newsroom:deskTitle')}</h2>
          <RefreshButton />
        </header>
        <div className="nr-desk__grid">
          <PostsCard
            detail={(post) =>
              post.editorialState && muted(t(EDITORIAL_STATE_KEYS[post.editorialState]))
            }
            hint={t('newsroom:myDraftsHint')}
            query={{
              conditions: [
                ['createdBy', 'equals', String(user.id)],
                ['editorialState', 'in', 'draft,changes_requested'],
              ],
              sort: '-updatedAt',
            }}
            testId="desk-my-drafts"
            title={t('newsroom:myDrafts')}
          />
          {editor && (
            <PostsCard
              detail={(post) => muted(formatDate(post.updatedAt))}
              hint={t('newsroom:waitingForReviewHint')}
              query={{ conditions: [['editorialState', 'equals', 'in_review']], sort: 'updatedAt' }}
              testId="desk-waiting-for-review"
              title={t('newsroom:waitingForReview')}
            />
          )}
          <ScheduleCards />
          <PostsCard
            detail={(post) => muted(formatDate(post.publishedAt))}
            query={{
              conditions: [['_status', 'equals', 'published']],
              sort: '-publishedAt',
              limit: 5,
            }}
            testId="desk-recently-published"
            title={t('newsroom:recentlyPublished')}
          />
          {editor && (
            // Worst first: the post that kept the least of its source's text is at the top.
            <PostsCard
              detail={(post) => <FidelityDetail post={post} />}
              hint={t('newsroom:flaggedImportsHint')}
              query={{
                conditions: [['review.flagged', 'equals', 'true']],
                sort: REVIEW_WORST_FIRST,
              }}
              testId="desk-flagged"
              title={t('newsroom:flaggedImports')}
            />
          )}
          {editor && <FailingFeedsCard />}
        </div>
        {editor && <ImportPanel />}
      </section>
    </DeskVersionProvider>
  )
}
