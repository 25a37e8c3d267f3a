'use client'
import React, { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react'

import { apiFetch, useRoutes } from '../shared'
import type { Loaded } from './deskQueries'

/** How often the desk asks whether anything changed (one cheap request; see deskEndpoints.ts). */
const POLL_MS = 4000

type DeskVersion = {
  /** Moves each time the server's desk version changes (and on `refresh`). */
  tick: number
  /** Reloads every card now (the Refresh button, or after an action of this tab). */
  refresh: () => void
}

const DeskVersionContext = createContext<DeskVersion | undefined>(undefined)

/**
 * Polls `GET /api/newsroom/desk/version` while the tab is visible and moves `tick` when the value
 * changes, so each card reloads its own data only when something it shows may have changed. An
 * idle desk costs one small request every few seconds instead of every card's queries.
 */
export const DeskVersionProvider: React.FC<{
  children: React.ReactNode
  /** The version the cards' data was read at with the page: the first poll reloads them if it moved. */
  initialVersion?: string
}> = ({ children, initialVersion }) => {
  const routes = useRoutes()
  const [tick, setTick] = useState(0)
  const last = useRef<string | undefined>(initialVersion)

  const refresh = useCallback(() => setTick((n) => n + 1), [])

  useEffect(() => {
    let stopped = false
    const check = async () => {
      if (document.visibilityState !== 'visible') return
      try {
        const { version } = await apiFetch<{ version: string }>(
          `${routes.api}/newsroom/desk/version`,
        )
        if (stopped) return
        if (last.current !== undefined && last.current !== version) refresh()
        last.current = version
      } catch {
        // The cards show their own errors on their next load; a missed poll is retried.
      }
    }
    void check()
    const timer = setInterval(() => void check(), POLL_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [routes.api, refresh])

  return (
    <DeskVersionContext.Provider value={{ tick, refresh }}>{children}</DeskVersionContext.Provider>
  )
}

/** The desk's version, or undefined outside a DeskVersionProvider. */
export const useDeskVersion = (): DeskVersion | undefined => useContext(DeskVersionContext)

/**
 * A card's own data: loaded on mount, whenever `load` changes, and each time the desk's version
 * moves, or, given `reloadOn`, only when that value changes instead. Given `initial` (the data read
 * with the page), the mount shows it instead of loading. `load` must be stable (useCallback) or it
 * reloads on every render.
 */
export const useDeskQuery = <T,>(
  load: () => Promise<T>,
  { reloadOn, initial }: { reloadOn?: string; initial?: Loaded<T> } = {},
): Loaded<T> => {
  const deskTick = useDeskVersion()?.tick ?? 0
  const tick = reloadOn ?? deskTick
  const [state, setState] = useState<Loaded<T>>(initial ?? {})
  const fromPage = useRef(initial !== undefined)
  useEffect(() => {
    if (fromPage.current) {
      fromPage.current = false
      return
    }
    let current = true
    load().then(
      (data) => current && setState({ data }),
      (err: unknown) =>
        current && setState({ error: err instanceof Error ? err.message : String(err) }),
    )
    return () => {
      current = false
    }
  }, [load, tick])
  return state
}
