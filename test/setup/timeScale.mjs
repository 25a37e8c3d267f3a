import os from 'node:os'

/**
 * How much slower than a quiet machine this one runs now: TEST_TIME_SCALE when set, otherwise the
 * one-minute load average per core, between 1 and 4. Scales jest's timeouts (jest.config.mjs, and
 * every explicit one in test/setup/environment.mjs) and the tests' own deadlines
 * (test/helpers/timing.ts).
 */
export const timeScale = () => {
  const set = Number(process.env.TEST_TIME_SCALE)
  if (Number.isFinite(set) && set > 0) return set
  return Math.min(4, Math.max(1, os.loadavg()[0] / Math.max(1, os.availableParallelism())))
}
