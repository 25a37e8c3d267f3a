import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, describe, expect, it } from '@jest/globals'

const root = path.resolve(import.meta.dirname, '../..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-cli-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** `npm run import` as a new user runs it: no options but the folder (a dry run here). */
const runImportCli = (args: string[]) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/import.ts', ...args],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          DATABASE_URI: path.join(tmp, 'cli.db'),
          PAYLOAD_SECRET: 'cli-test',
          NODE_ENV: 'test',
          NODE_OPTIONS: '',
        },
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stderr }))
  })

describe('npm run import', () => {
  it('reads and transforms on one worker per core unless told otherwise', async () => {
    const cores = os.availableParallelism()
    const run = await runImportCli(['examples/archive', '--dry-run'])
    expect(run.stderr).toContain(`with ${cores} worker${cores === 1 ? '' : 's'} (one per core)`)
    expect(run.code).toBe(0)
  }, 120_000)
})
