'use client'
import type { AcceptedLanguages } from '@payloadcms/translations'
import { useAuth, usePreferences, useTranslation } from '@payloadcms/ui'
import React, { useEffect, useRef } from 'react'

const PREFERENCE_KEY = 'newsroom-language'
/**
 * This tab's record that the user's stored language was read and matched (`<user id>:<language>`), so
 * that the next page of the same session does not ask the server again. Cleared on sign-out.
 */
const SYNCED_KEY = 'newsroom-language-synced'

const session = {
  get: (): string | null => {
    try {
      return window.sessionStorage.getItem(SYNCED_KEY)
    } catch {
      return null // storage refused (private mode, a sandboxed frame): ask the server each time
    }
  },
  set: (value: string | null): void => {
    try {
      if (value === null) window.sessionStorage.removeItem(SYNCED_KEY)
      else window.sessionStorage.setItem(SYNCED_KEY, value)
    } catch {
      // as above
    }
  },
}

/**
 * Makes the admin language a setting of the user rather than of the browser. Payload keeps the chosen
 * language in a cookie (`payload-lng`); this provider also stores it in the user's preferences and,
 * when a user signs in on a browser whose cookie says otherwise, switches to the stored language.
 * The stored language is read once per tab and user, not on every page: each full page load of the
 * admin would otherwise wait for one more request after its scripts start.
 */
export const LanguagePreference: React.FC<{ children?: React.ReactNode }> = ({ children }) => {
  const { user } = useAuth()
  const { i18n, switchLanguage } = useTranslation()
  const { getPreference, setPreference } = usePreferences()
  // The language that is known to match the stored preference for the current user.
  const synced = useRef<{ user: number | string; language: string } | null>(null)
  // A switch to the stored language under way: until the tab shows it, its old language is neither
  // saved as the user's choice nor recorded as matching.
  const switching = useRef<{ user: number | string; from: string; to: string } | null>(null)

  useEffect(() => {
    if (!user) {
      synced.current = null
      switching.current = null
      session.set(null)
      return
    }
    const current = i18n.language
    const pending = switching.current
    if (pending?.user === user.id) {
      if (current === pending.from) return // the switch has not reached this tab yet
      switching.current = null
      if (current === pending.to) {
        synced.current = { user: user.id, language: current }
        session.set(`${user.id}:${current}`)
        return
      }
      // The user chose another language meanwhile: saved below, as any change made in the tab.
      synced.current = { user: user.id, language: pending.to }
    }
    if (!synced.current && session.get() === `${user.id}:${current}`)
      synced.current = { user: user.id, language: current }
    if (synced.current?.user === user.id) {
      // A change made in this session (Account > Language): remember it for the user.
      if (synced.current.language !== current) {
        synced.current = { user: user.id, language: current }
        session.set(`${user.id}:${current}`)
        void setPreference(PREFERENCE_KEY, current)
      }
      return
    }
    let cancelled = false
    void (async () => {
      const stored = await getPreference<string | undefined>(PREFERENCE_KEY)
      if (cancelled) return
      if (stored && stored !== current && switchLanguage) {
        // Recorded once the tab shows it (above): a page opened before the switch's cookie is set
        // still shows the old language, and reads the stored one again.
        switching.current = { user: user.id, from: current, to: stored }
        await switchLanguage(stored as AcceptedLanguages)
      } else {
        synced.current = { user: user.id, language: current }
        if (!stored) await setPreference(PREFERENCE_KEY, current)
        session.set(`${user.id}:${current}`)
      }
    })()
    return () => {
      cancelled = true
    }
  }, [user, i18n.language, getPreference, setPreference, switchLanguage])

  return <>{children}</>
}
