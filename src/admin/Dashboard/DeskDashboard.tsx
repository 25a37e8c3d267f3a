'use client'
import './../newsroom.scss'

import { useAuth } from '@payloadcms/ui'
import React from 'react'

import { ImportPanel } from '../imports/ImportPanel'
import { canEdit, EDITORIAL_STATE_KEYS, useFormatDate, useNewsroomTranslation } from '../shared'
import type { DeskInitial } from './deskInitial'
import { type Loaded, postsCardQueries } from './deskQueries'
import { DeskVersionProvider, useDeskVersion } from './deskVersion'
import { FailingFeedsCard, type FailingSource } from './FailingFeedsCard'
import { PostsCard, type PostRow } from './PostsCard'
import { ScheduleCards, type Schedule } from './ScheduleCards'

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
 * dashboard (admin.components.beforeDashboard, through DeskDashboardServer). Its cards come with the
 * page (`initial`, read on the server as the user), and each reloads its own data over our REST API
 * with the user's session (the same access control) only when the desk's version counter moves (see
 * deskVersion.tsx). Without `initial`, each card loads on mount.
 */
export const DeskDashboard: React.FC<{ initial?: DeskInitial }> = ({ initial }) => {
  const { user } = useAuth()
  const { t } = useNewsroomTranslation()
  const formatDate = useFormatDate()
  if (!user) return null
  const editor = canEdit(user)
  const muted = (text: string) => <span className="nr-muted"> · {text}</span>
  const queries = postsCardQueries(user.id)
  const posts = (id: keyof typeof queries) => initial?.posts[id] as Loaded<PostRow[]> | undefined

  return (
    <DeskVersionProvider initialVersion={initial?.version}>
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
            initial={posts('desk-my-drafts')}
            query={queries['desk-my-drafts']}
            testId="desk-my-drafts"
            title={t('newsroom:myDrafts')}
          />
          {editor && (
            <PostsCard
              detail={(post) => muted(formatDate(post.updatedAt))}
              hint={t('newsroom:waitingForReviewHint')}
              initial={posts('desk-waiting-for-review')}
              query={queries['desk-waiting-for-review']}
              testId="desk-waiting-for-review"
              title={t('newsroom:waitingForReview')}
            />
          )}
          <ScheduleCards initial={initial?.schedule as Loaded<Schedule> | undefined} />
          <PostsCard
            detail={(post) => muted(formatDate(post.publishedAt))}
            initial={posts('desk-recently-published')}
            query={queries['desk-recently-published']}
            testId="desk-recently-published"
            title={t('newsroom:recentlyPublished')}
          />
          {editor && (
            // Worst first: the post that kept the least of its source's text is at the top.
            <PostsCard
              detail={(post) => <FidelityDetail post={post} />}
              hint={t('newsroom:flaggedImportsHint')}
              initial={posts('desk-flagged')}
              query={queries['desk-flagged']}
              testId="desk-flagged"
              title={t('newsroom:flaggedImports')}
            />
          )}
          {editor && (
            <FailingFeedsCard
              initial={initial?.failingFeeds as Loaded<FailingSource[]> | undefined}
            />
          )}
        </div>
        {editor && <ImportPanel />}
      </section>
    </DeskVersionProvider>
  )
}
