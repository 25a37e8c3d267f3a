import { timeScale } from './test/setup/timeScale.mjs'

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
  setupFilesAfterEnv: ['<rootDir>/test/setup/ingestWorkers.ts'],
  // A minute on a quiet machine, scaled to a busy one's load (test/setup/timeScale.mjs).
  testTimeout: Math.round(60_000 * timeScale()),
  // Each test file boots its own Payload on an in-memory database; two workers fit two cores.
  maxWorkers: 2,
}
