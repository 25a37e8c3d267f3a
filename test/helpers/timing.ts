import { timeScale as loadScale } from '../setup/timeScale.mjs'

/**
 * How much slower than a quiet machine this one runs now: `TEST_TIME_SCALE` when set, otherwise the
 * one-minute load average per core, between 1 and 4 (test/setup/timeScale.mjs). CI machines are
 * shared: a deadline that holds on a quiet machine fails under load, and a test that fails under
 * load gets ignored. Deadlines scale; what a test waits for is always a condition, never a sleep.
 * Jest's own timeouts are scaled by test/setup/environment.mjs.
 */
export const timeScale = (): number => loadScale()

/** `ms` on a quiet machine, scaled to this one's load now (`timeScale`). */
export const scaled = (ms: number): number => Math.round(ms * timeScale())

/**
 * Polls `check` every `everyMs` until it returns something other than undefined, for at most `ms`
 * (scaled); throws naming `what` when the deadline passes.
 */
export const waitFor = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 60_000,
  everyMs = 200,
): Promise<T> => {
  const limit = scaled(ms)
  const deadline = Date.now() + limit
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limit} ms`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/**
 * Waits until at least `needMs` (scaled, at most 3/4 of the window) is left of the clock's current
 * window of `windowMs`: limits that count per window of the clock (the anonymous rate limit: per
 * minute) see requests that straddle a window's end in two windows, and a 429 that was due comes as
 * a 200.
 */
export const awayFromWindowEnd = async (windowMs: number, needMs: number): Promise<void> => {
  const need = Math.min(Math.round(windowMs * 0.75), scaled(needMs))
  while (windowMs - (Date.now() % windowMs) < need)
    await new Promise((resolve) => setTimeout(resolve, 250))
}
