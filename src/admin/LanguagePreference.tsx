'use client'
import type { AcceptedLanguages } from '@payloadcms/translations'
import { useAuth, usePreferences, useTranslation } from '@payloadcms/ui'
import React, { useEffect, useRef } from 'react'

const PREFERENCE_KEY = 'newsroom-language'

/**
 * Makes the admin language a setting of the user rather than of the browser. Payload keeps the chosen
 * language in a cookie (`payload-lng`); this provider also stores it in the user's preferences and,
 * when a user signs in on a browser whose cookie says otherwise, switches to the stored language.
 */
export const LanguagePreference: React.FC<{ children?: React.ReactNode }> = ({ children }) => {
  const { user } = useAuth()
  const { i18n, switchLanguage } = useTranslation()
  const { getPreference, setPreference } = usePreferences()
  // The language that is known to match the stored preference for the current user.
  const synced = useRef<{ user: number | string; language: string } | null>(null)

  useEffect(() => {
    if (!user) {
      synced.current = null
      return
    }
    const current = i18n.language
    if (synced.current?.user === user.id) {
      // A change made in this session (Account > Language): remember it for the user.
      if (synced.current.language !== current) {
        synced.current = { user: user.id, language: current }
        void setPreference(PREFERENCE_KEY, current)
      }
      return
    }
    let cancelled = false
    void (async () => {
      const stored = await getPreference<string | undefined>(PREFERENCE_KEY)
      if (cancelled) return
      if (stored && stored !== current && switchLanguage) {
        synced.current = { user: user.id, language: stored }
        await switchLanguage(stored as AcceptedLanguages)
      } else {
        synced.current = { user: user.id, language: current }
        if (!stored) await setPreference(PREFERENCE_KEY, current)
      }
    })()
    return () => {
      cancelled = true
    }
  }, [user, i18n.language, getPreference, setPreference, switchLanguage])

  return <>{children}</>
}
