// Jest's node environment, plus the real jsdom and linkedom for test/setup/jsdom-native.cjs and
// linkedom-native.cjs. Both require ESM-only packages from CommonJS (jsdom 29: @exodus/bytes;
// linkedom 0.18: css-select 7): Node 20.19+ allows that natively, Jest's module system does not
// ("Must use import to load ES Module"). Loaded here, outside the test's sandbox, it is Node that
// loads them. A JSDOM window is a realm of its own either way.
import { createRequire } from 'node:module'

import { TestEnvironment } from 'jest-environment-node'

import { timeScale } from './timeScale.mjs'

const nodeRequire = createRequire(import.meta.url)

export default class NewsroomEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    // Loaded on first use: most test files never touch it.
    Object.defineProperty(this.global, '__nodeJsdom', { get: () => nodeRequire('jsdom') })
    Object.defineProperty(this.global, '__nodeLinkedom', { get: () => nodeRequire('linkedom') })
    this.timeScale = timeScale()
  }

  /**
   * A timeout a test or hook names (`it(name, fn, 110_000)`) is what it needs on a quiet machine:
   * scaled here to this one's load, as the default is (jest.config.mjs). On a shared CI machine a
   * fixed deadline fails tests that are merely slow, and a test that fails under load gets ignored.
   */
  handleTestEvent(event, state) {
    if (event.name !== 'add_test' && event.name !== 'add_hook') return
    if (typeof event.timeout !== 'number' || this.timeScale === 1) return
    const block = state.currentDescribeBlock
    const added = event.name === 'add_test' ? block.children.at(-1) : block.hooks.at(-1)
    if (added && added.timeout === event.timeout)
      added.timeout = Math.round(event.timeout * this.timeScale)
  }
}
