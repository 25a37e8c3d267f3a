import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { describe, expect, it } from '@jest/globals'

describe('npm test', () => {
  it('passes --listTests to jest and exits 0 with the list, never "undefined passed, NaN failed"', () => {
    const result = spawnSync(process.execPath, [path.resolve('scripts/test.mjs'), '--listTests'], {
      encoding: 'utf8',
      env: { ...process.env, SKIP_ADMIN_BUILD: '1' },
      timeout: 120_000,
    })
    expect(result.stdout).toContain(path.join('test', 'unit', 'test-script.test.ts'))
    expect(result.stdout).not.toMatch(/NaN|undefined passed/)
    expect(result.status).toBe(0)
  })
})
