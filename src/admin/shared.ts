'use client'
import { useConfig, useTranslation } from '@payloadcms/ui'
import { formatDate } from '@payloadcms/ui/shared'

import type { NewsroomTranslationKeys, NewsroomTranslations } from './translations'

/** `useTranslation()` that also knows our own `newsroom:*` keys. */
export const useNewsroomTranslation = () =>
  useTranslation<NewsroomTranslations, NewsroomTranslationKeys>()

type UserLike = object | null | undefined

const rolesOf = (user: UserLike): string[] =>
  user && 'roles' in user && Array.isArray(user.roles) ? (user.roles as string[]) : []

/** Admins and editors: review, approve, publish, import. Mirrors `isEditorUser` in src/access/roles. */
export const canEdit = (user: UserLike): boolean =>
  rolesOf(user).some((r) => r === 'admin' || r === 'editor')
export const isWriterOnly = (user: UserLike): boolean =>
  !canEdit(user) && rolesOf(user).includes('writer')

export const EDITORIAL_STATE_KEYS = {
  draft: 'newsroom:stateDraft',
  in_review: 'newsroom:stateInReview',
  changes_requested: 'newsroom:stateChangesRequested',
  approved: 'newsroom:stateApproved',
} as const satisfies Record<string, NewsroomTranslationKeys>

export type EditorialState = keyof typeof EDITORIAL_STATE_KEYS

export { REVIEW_WORST_FIRST } from './Dashboard/deskQueries'

/** The admin and API base paths of this installation (`/admin`, `/api` unless configured). */
export const useRoutes = () => {
  const { config } = useConfig()
  return { admin: config.routes.admin, api: `${config.serverURL ?? ''}${config.routes.api}` }
}

/** An error carrying the message the API sent (Payload's `{ errors: [{ message }] }` or `{ message }`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

/** Fetches JSON from our own API with the session cookie; non-2xx responses throw an ApiError. */
export const apiFetch = async <T = unknown>(url: string, init: RequestInit = {}): Promise<T> => {
  const res = await fetch(url, {
    credentials: 'include',
    ...init,
    headers: {
      accept: 'application/json',
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  })
  const text = await res.text()
  type ErrorBody = { errors?: { message?: string }[]; message?: string }
  let body: ErrorBody | undefined
  try {
    body = text ? (JSON.parse(text) as ErrorBody) : undefined
  } catch {
    // Not JSON (e.g. an HTML error page): the status line below is the message.
    body = undefined
  }
  if (!res.ok) {
    const message = body?.errors?.[0]?.message ?? body?.message ?? `${res.status} ${res.statusText}`
    throw new ApiError(String(message), res.status)
  }
  return body as T
}

/**
 * Formats a date the way Payload's own lists and editor do (`admin.dateFormat`, in the admin's
 * language), so the desk shows one date format. `fallback` for a missing date.
 */
export const useFormatDate = (fallback = '') => {
  const { config } = useConfig()
  const { i18n } = useTranslation()
  return (value?: null | string) =>
    value ? formatDate({ date: value, i18n, pattern: config.admin.dateFormat }) : fallback
}
