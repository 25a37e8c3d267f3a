import base from './jest.config.mjs'

/**
 * The browser suite (`npm run test:browser`): test/browser/*.test.ts drive Debian's Chromium through
 * playwright-core against the real server with the built admin. One file at a time: each boots its
 * own server and a browser, and the machine has two cores.
 */
export default {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 240_000,
  maxWorkers: 1,
}
