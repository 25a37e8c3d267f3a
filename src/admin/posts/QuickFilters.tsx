'use client'
import './../newsroom.scss'

import { useListQuery } from '@payloadcms/ui'
import type { Where } from 'payload'
import React from 'react'

import {
  EDITORIAL_STATE_KEYS,
  type EditorialState,
  REVIEW_WORST_FIRST,
  useNewsroomTranslation,
} from '../shared'

/** A source or category to filter by. */
export type FilterOption = { id: number | string; title: string }

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

/** One drop-down filter: "any" first, then `options`. */
const SelectFilter: React.FC<{
  label: string
  testId: string
  anyLabel: string
  value: string
  options: { value: string; label: string }[]
  onChange: (value: string) => void
}> = ({ label, testId, anyLabel, value, options, onChange }) => (
  <label>
    {label}
    <select data-testid={testId} onChange={(e) => onChange(e.target.value)} value={value}>
      <option value="">{anyLabel}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  </label>
)

const asOptions = (docs: FilterOption[]) =>
  docs.map((d) => ({ value: String(d.id), label: d.title }))

/** One date filter. */
const DateFilter: React.FC<{
  label: string
  testId: string
  value: string
  onChange: (value: string) => void
}> = ({ label, testId, value, onChange }) => (
  <label>
    {label}
    <input
      data-testid={testId}
      onChange={(e) => onChange(e.target.value)}
      type="date"
      value={value}
    />
  </label>
)

/**
 * One-click filters above the posts table (state, source, category, publish date, flagged) that set
 * the list's `where` like Payload's own filter builder does, so the URL can be shared. The sources
 * and categories come with the page (./QuickFiltersServer.tsx), not from the browser after it.
 */
export const PostQuickFiltersView: React.FC<{
  sources: FilterOption[]
  categories: FilterOption[]
}> = ({ sources, categories }) => {
  const { t } = useNewsroomTranslation()
  const { query, refineListData, defaultSort } = useListQuery()
  const filters = filtersFrom(query?.where)

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
  const states = (Object.keys(EDITORIAL_STATE_KEYS) as EditorialState[]).map((s) => ({
    value: s,
    label: t(EDITORIAL_STATE_KEYS[s]),
  }))
  const any = t('newsroom:filterAny')

  return (
    <div className="nr-filters" data-testid="post-quick-filters">
      <strong>{t('newsroom:quickFilters')}</strong>
      <SelectFilter
        label={t('newsroom:filterState')}
        testId="filter-state"
        anyLabel={any}
        value={filters.state}
        options={states}
        onChange={(state) => set({ state })}
      />
      <SelectFilter
        label={t('newsroom:filterSource')}
        testId="filter-source"
        anyLabel={any}
        value={filters.source}
        options={asOptions(sources)}
        onChange={(source) => set({ source })}
      />
      <SelectFilter
        label={t('newsroom:filterCategory')}
        testId="filter-category"
        anyLabel={any}
        value={filters.category}
        options={asOptions(categories)}
        onChange={(category) => set({ category })}
      />
      <DateFilter
        label={t('newsroom:filterFrom')}
        testId="filter-from"
        value={filters.from}
        onChange={(from) => set({ from })}
      />
      <DateFilter
        label={t('newsroom:filterTo')}
        testId="filter-to"
        value={filters.to}
        onChange={(to) => set({ to })}
      />
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
