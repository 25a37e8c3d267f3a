'use client'
import { Button, useDocumentInfo, useField } from '@payloadcms/ui'
import React, { useState } from 'react'

import { apiFetch, useNewsroomTranslation, useRoutes } from '../shared'

type Candidate = { url: string; type: string; title?: string }
type Found = { fetched: string; candidates: Candidate[] }

/**
 * Under a source's feed URL: "Discover feeds" reads the source's home page on the server
 * (`POST /api/newsroom/sources/:id/discover-feeds`, src/ingest/discover.ts) and lists the feeds it
 * announces; "Use this feed" fills the feed URL field. Nothing is saved until the editor saves.
 */
export const DiscoverFeeds: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const { id } = useDocumentInfo()
  const { api } = useRoutes()
  const { value, setValue } = useField<string>({ path: 'feedUrl' })
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'found'; found: Found }
    | { kind: 'error'; message: string }
  >({ kind: 'idle' })
  if (id === undefined || id === null) return null

  const discover = async () => {
    setState({ kind: 'busy' })
    try {
      const found = await apiFetch<Found>(`${api}/newsroom/sources/${id}/discover-feeds`, {
        method: 'POST',
      })
      setState({ kind: 'found', found })
    } catch (err) {
      setState({ kind: 'error', message: (err as Error).message })
    }
  }

  return (
    <div className="field-type newsroom-discover-feeds" data-testid="discover-feeds">
      <Button
        buttonStyle="secondary"
        disabled={state.kind === 'busy'}
        onClick={discover}
        size="small"
      >
        {state.kind === 'busy' ? t('newsroom:discoveringFeeds') : t('newsroom:discoverFeeds')}
      </Button>
      <p className="field-description">{t('newsroom:discoverFeedsHint')}</p>
      {state.kind === 'error' && (
        <p role="alert">{t('newsroom:couldNotLoad', { message: state.message })}</p>
      )}
      {state.kind === 'found' && state.found.candidates.length === 0 && (
        <p>{t('newsroom:noFeedsFound', { url: state.found.fetched })}</p>
      )}
      {state.kind === 'found' && state.found.candidates.length > 0 && (
        <ul data-testid="feed-candidates">
          {state.found.candidates.map((c) => (
            <li key={c.url}>
              <code>{c.url}</code> {c.title ? `(${c.title}, ${c.type})` : `(${c.type})`}{' '}
              {value === c.url ? (
                <strong>{t('newsroom:feedChosen')}</strong>
              ) : (
                <Button buttonStyle="pill" onClick={() => setValue(c.url)} size="small">
                  {t('newsroom:useThisFeed')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
