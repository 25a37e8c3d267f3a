// Jest's node environment, plus the real jsdom and linkedom for test/setup/jsdom-native.cjs and
// linkedom-native.cjs. Both require ESM-only packages from CommonJS (jsdom 29: @exodus/bytes;
// linkedom 0.18: css-select 7): Node 20.19+ allows that natively, Jest's module system does not
// ("Must use import to load ES Module"). Loaded here, outside the test's sandbox, it is Node that
// loads them. A JSDOM window is a realm of its own either way.
import { createRequire } from 'node:module'

import { TestEnvironment } from 'jest-environment-node'

const nodeRequire = createRequire(import.meta.url)

export default class NewsroomEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    // Loaded on first use: most test files never touch it.
    Object.defineProperty(this.global, '__nodeJsdom', { get: () => nodeRequire('jsdom') })
    Object.defineProperty(this.global, '__nodeLinkedom', { get: () => nodeRequire('linkedom') })
  }
}
