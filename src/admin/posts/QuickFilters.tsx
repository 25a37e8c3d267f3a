'use client'
import './../newsroom.scss'

import { useListQuery } from '@payloadcms/ui'
import type { Where } from 'payload'
import React, { useEffect, useState } from 'react'

import {
  apiFetch,
  EDITORIAL_STATE_KEYS,
  type EditorialState,
  REVIEW_WORST_FIRST,
  useNewsroomTranslation,
  useRoutes,
} from '../shared'

type Option = { id: number | string; name: string }

type Filters = {
  state: string
  source: string
  category: string
  from: string
  to: string
  flagged: boolean
}

const EMPTY: Filters = { state: '', source: '', category: '', from: '', to: '', flagged: false }

/** Reads our filters back from a list `where` that this component wrote (`{ and: [...] }`). */
const filtersFrom = (where: Where | undefined): Filters => {
  const filters = { ...EMPTY }
  const conditions = Array.isArray(where?.and) ? (where.and as Where[]) : []
  for (const c of conditions) {
    const v = (path: string, op: string) => (c[path] as Record<string, unknown> | undefined)?.[op]
    if (v('editorialState', 'equals') != null) filters.state = String(v('editorialState', 'equals'))
    if (v('source', 'equals') != null) filters.source = String(v('source', 'equals'))
    if (v('categories', 'in') != null) filters.category = String(v('categories', 'in'))
    if (v('publishedAt', 'greater_than_equal') != null)
      filters.from = String(v('publishedAt', 'greater_than_equal')).slice(0, 10)
    if (v('publishedAt', 'less_than_equal') != null)
      filters.to = String(v('publishedAt', 'less_than_equal')).slice(0, 10)
    if (v('review.flagged', 'equals') != null)
      filters.flagged = String(v('review.flagged', 'equals')) === 'true'
  }
  return filters
}

const whereFrom = (f: Filters): Where => {
  const and: Where[] = []
  if (f.state) and.push({ editorialState: { equals: f.state } })
  if (f.source) and.push({ source: { equals: f.source } })
  if (f.category) and.push({ categories: { in: f.category } })
  if (f.from)
    and.push({ publishedAt: { greater_than_equal: new Date(`${f.from}T00:00:00`).toISOString() } })
  if (f.to)
    and.push({ publishedAt: { less_than_equal: new Date(`${f.to}T23:59:59.999`).toISOString() } })
  if (f.flagged) and.push({ 'review.flagged': { equals: true } })
  return and.length > 0 ? { and } : {}
}

/**
 * One-click filters above the posts table (state, source, category, publish date, flagged) that set
 * the list's `where` like Payload's own filter builder does, so the URL can be shared.
 */
export const PostQuickFilters: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const { query, refineListData, defaultSort } = useListQuery()
  const filters = filtersFrom(query?.where)
  const [sources, setSources] = useState<Option[]>([])
  const [categories, setCategories] = useState<Option[]>([])

  useEffect(() => {
    const options = (slug: string) =>
      apiFetch<{ docs: Option[] }>(
        `${routes.api}/${slug}?limit=200&depth=0&sort=name&select[name]=true`,
      ).then((b) => b.docs)
    options('sources').then(setSources, () => setSources([]))
    options('categories').then(setCategories, () => setCategories([]))
  }, [routes.api])

  const set = (patch: Partial<Filters>) => {
    const where = whereFrom({ ...filters, ...patch })
    if (patch.flagged === undefined) return void refineListData({ where })
    // Flagged posts are listed worst first (lowest fidelity at the top); unflagging restores the
    // list's usual order unless the editor chose another one meanwhile.
    const sort = patch.flagged
      ? REVIEW_WORST_FIRST
      : query?.sort === REVIEW_WORST_FIRST
        ? defaultSort
        : query?.sort
    return void refineListData({ where, sort })
  }

  return (
    <div className="nr-filters" data-testid="post-quick-filters">
      <strong>{t('newsroom:quickFilters')}</strong>
      <label>
        {t('newsroom:filterState')}
        <select
          data-testid="filter-state"
          onChange={(e) => set({ state: e.target.value })}
          value={filters.state}
        >
          <option value="">{t('newsroom:filterAny')}</option>
          {(Object.keys(EDITORIAL_STATE_KEYS) as EditorialState[]).map((s) => (
            <option key={s} value={s}>
              {t(EDITORIAL_STATE_KEYS[s])}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('newsroom:filterSource')}
        <select
          data-testid="filter-source"
          onChange={(e) => set({ source: e.target.value })}
          value={filters.source}
        >
          <option value="">{t('newsroom:filterAny')}</option>
          {sources.map((s) => (
            <option key={s.id} value={String(s.id)}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('newsroom:filterCategory')}
        <select
          data-testid="filter-category"
          onChange={(e) => set({ category: e.target.value })}
          value={filters.category}
        >
          <option value="">{t('newsroom:filterAny')}</option>
          {categories.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('newsroom:filterFrom')}
        <input
          data-testid="filter-from"
          onChange={(e) => set({ from: e.target.value })}
          type="date"
          value={filters.from}
        />
      </label>
      <label>
        {t('newsroom:filterTo')}
        <input
          data-testid="filter-to"
          onChange={(e) => set({ to: e.target.value })}
          type="date"
          value={filters.to}
        />
      </label>
      <label className="nr-checkbox">
        <input
          checked={filters.flagged}
          data-testid="filter-flagged"
          onChange={(e) => set({ flagged: e.target.checked })}
          type="checkbox"
        />{' '}
        {t('newsroom:filterFlagged')}
      </label>
      <button className="nr-link-button" onClick={() => set(EMPTY)} type="button">
        {t('newsroom:clearFilters')}
      </button>
    </div>
  )
}
