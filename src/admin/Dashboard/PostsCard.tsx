'use client'
import Link from 'next/link'
import React, { useCallback } from 'react'

import { apiFetch, type EditorialState, useNewsroomTranslation, useRoutes } from '../shared'
import { type CardQuery, type Loaded, restParams } from './deskQueries'
import { useDeskQuery } from './deskVersion'

export type PostRow = {
  id: number | string
  title?: string | null
  editorialState?: EditorialState | null
  updatedAt?: string
  publishedAt?: string | null
  review?: { flagged?: boolean | null; fidelity?: number | null; warnings?: string[] | null } | null
}

/** Reads a card's posts over our REST API with the user's session (drafts included, depth 0). */
export const usePosts = (query: CardQuery, initial?: Loaded<PostRow[]>): Loaded<PostRow[]> => {
  const routes = useRoutes()
  const key = JSON.stringify(query)
  const load = useCallback(async () => {
    const params = restParams(JSON.parse(key) as CardQuery)
    params.set('draft', 'true')
    const body = await apiFetch<{ docs: PostRow[] }>(`${routes.api}/posts?${params}`)
    return body.docs
  }, [key, routes.api])
  return useDeskQuery(load, { initial })
}

/** For a card's `data-loaded`: its data (or its error) is there, not the loading line. */
export const isLoaded = (loaded: Loaded<unknown>): boolean | undefined =>
  loaded.data !== undefined || loaded.error !== undefined || undefined

/** Loading, error and empty states shared by the desk's cards. */
export const CardState = <T,>({
  loaded,
  children,
}: {
  loaded: Loaded<T[]>
  children: (data: T[]) => React.ReactNode
}) => {
  const { t } = useNewsroomTranslation()
  if (loaded.error)
    return <p className="nr-muted">{t('newsroom:couldNotLoad', { message: loaded.error })}</p>
  if (!loaded.data) return <p className="nr-muted">{t('newsroom:loading')}</p>
  if (loaded.data.length === 0) return <p className="nr-muted">{t('newsroom:nothingHere')}</p>
  return <>{children(loaded.data)}</>
}

/** A desk card listing posts that match one query, each linked to its editor. */
export const PostsCard: React.FC<{
  testId: string
  title: string
  hint?: string
  query: CardQuery
  /** The card's data as read with the page (`deskInitial.ts`). */
  initial?: Loaded<PostRow[]>
  /** What follows each title (its state, a date, the fidelity). */
  detail?: (post: PostRow) => React.ReactNode
}> = ({ testId, title, hint, query, initial, detail }) => {
  const routes = useRoutes()
  const posts = usePosts(query, initial)
  return (
    <div className="nr-card" data-loaded={isLoaded(posts)} data-testid={testId}>
      <h3>{title}</h3>
      {hint && <p className="nr-hint">{hint}</p>}
      <CardState loaded={posts}>
        {(rows) => (
          <ul className="nr-list">
            {rows.map((post) => (
              <li key={post.id}>
                <Link href={`${routes.admin}/collections/posts/${post.id}`} prefetch={false}>
                  {post.title || `#${post.id}`}
                </Link>
                {detail?.(post)}
              </li>
            ))}
          </ul>
        )}
      </CardState>
    </div>
  )
}
