import os from 'node:os'

/** As `timeScale()` in test/helpers/timing.ts: TEST_TIME_SCALE, else the load per core, 1 to 4. */
const timeScale =
  Number(process.env.TEST_TIME_SCALE) > 0
    ? Number(process.env.TEST_TIME_SCALE)
    : Math.min(4, Math.max(1, os.loadavg()[0] / Math.max(1, os.availableParallelism())))

/** Payload is ESM-only: jest runs in native ESM mode (NODE_OPTIONS=--experimental-vm-modules, set by scripts/test.mjs). */
export default {
  testEnvironment: '<rootDir>/test/setup/environment.mjs',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          target: 'es2022',
          transform: { react: { runtime: 'automatic' } },
        },
        module: { type: 'es6' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: {
    '^@payload-config$': '<rootDir>/payload.config.ts',
    '^jsdom$': '<rootDir>/test/setup/jsdom-native.cjs',
    '^linkedom$': '<rootDir>/test/setup/linkedom-native.cjs',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  // A minute on a quiet machine, scaled to a busy one's load (test/helpers/timing.ts says why).
  testTimeout: Math.round(60_000 * timeScale),
  // Each test file boots its own Payload on an in-memory database; two workers fit two cores.
  maxWorkers: 2,
}
