'use client'
import './../newsroom.scss'

import {
  Button,
  toast,
  useAuth,
  useDocumentInfo,
  useFormFields,
  useFormModified,
} from '@payloadcms/ui'
import React, { useState } from 'react'

import {
  apiFetch,
  canEdit,
  EDITORIAL_STATE_KEYS,
  type EditorialState,
  useNewsroomTranslation,
  useRoutes,
} from '../shared'
import { POSTS } from '../../lib/slugs'

type Action = {
  to: EditorialState
  label: 'newsroom:submitForReview' | 'newsroom:requestChanges' | 'newsroom:approve'
  style: 'primary' | 'secondary'
  note?: boolean
}

/**
 * What the signed-in user may do from a state. Only a hint for which buttons to show: the transition
 * endpoint (POST /api/posts/:id/transition) enforces the rules and its message is shown on refusal.
 */
const actionsFor = (state: EditorialState, editor: boolean): Action[] => {
  const submit: Action = { to: 'in_review', label: 'newsroom:submitForReview', style: 'primary' }
  switch (state) {
    case 'draft':
    case 'changes_requested':
      return [submit]
    case 'in_review':
      return editor
        ? [
            {
              to: 'changes_requested',
              label: 'newsroom:requestChanges',
              style: 'secondary',
              note: true,
            },
            { to: 'approved', label: 'newsroom:approve', style: 'primary' },
          ]
        : []
    default:
      // Approved posts move on by being published (the Publish button), not by a state button.
      return []
  }
}

/**
 * The editorial state of a post and the buttons that move it (submit for review, request changes,
 * approve), above the document controls of the post edit view.
 */
export const EditorialActions: React.FC = () => {
  const { id, collectionSlug } = useDocumentInfo()
  const { user } = useAuth()
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const modified = useFormModified()
  const state =
    (useFormFields(([fields]) => fields.editorialState?.value) as EditorialState | undefined) ??
    'draft'
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)

  if (collectionSlug !== POSTS || !id || !user) return null
  const editor = canEdit(user)
  const actions = actionsFor(state, editor)
  const stateLabel = EDITORIAL_STATE_KEYS[state] ? t(EDITORIAL_STATE_KEYS[state]) : state

  const move = async (action: Action) => {
    setBusy(true)
    try {
      await apiFetch(`${routes.api}/posts/${id}/transition`, {
        method: 'POST',
        body: JSON.stringify({ to: action.to, note: action.note ? note : undefined }),
      })
      toast.success(t('newsroom:transitionDone', { state: t(EDITORIAL_STATE_KEYS[action.to]) }))
      // The transition changes the state, the history and maybe the status on the server; a reload
      // shows the document as it now is instead of the form's stale copy.
      window.location.reload()
    } catch (err) {
      toast.error(
        t('newsroom:transitionFailed', {
          message: err instanceof Error ? err.message : String(err),
        }),
      )
      setBusy(false)
    }
  }

  return (
    <div className="nr-editorial" data-testid="editorial-actions" data-state={state}>
      <span className={`nr-pill nr-pill--${state}`} data-testid="editorial-state">
        {t('newsroom:currentState', { state: stateLabel })}
      </span>
      {actions.some((a) => a.note) && (
        <input
          aria-label={t('newsroom:notePlaceholder')}
          className="nr-editorial__note"
          disabled={busy}
          onChange={(e) => setNote(e.target.value)}
          placeholder={t('newsroom:notePlaceholder')}
          type="text"
          value={note}
        />
      )}
      {actions.map((action) => (
        <Button
          buttonStyle={action.style}
          disabled={busy || modified}
          id={`editorial-${action.to}`}
          key={action.to}
          margin={false}
          onClick={() => void move(action)}
          size="medium"
          tooltip={modified ? t('newsroom:saveFirst') : undefined}
        >
          {t(action.label)}
        </Button>
      ))}
    </div>
  )
}
