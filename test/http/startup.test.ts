import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, describe, expect, it } from '@jest/globals'

const root = path.resolve(import.meta.dirname, '../..')
const tsx = path.join(root, 'node_modules/.bin/tsx')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-startup-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

type Run = { code: number | null; stdout: string; stderr: string; ms: number }

/** Runs src/server.ts as its own process, as `npm run serve` would, until it exits or `until` matches. */
const runServer = (
  env: Record<string, string | undefined>,
  { until, timeoutMs = 45_000 }: { until?: RegExp; timeoutMs?: number } = {},
) => {
  const started = Date.now()
  const child = spawn(tsx, ['src/server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', SERVE_ADMIN: 'false', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const matched = new Promise<string>((resolve) => {
    const check = () => {
      const m = until && (stdout + stderr).match(until)
      if (m) resolve(m[1] ?? m[0])
    }
    child.stdout.on('data', (d) => ((stdout += d), check()))
    child.stderr.on('data', (d) => ((stderr += d), check()))
  })
  const exited = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
  return { child, matched, exited }
}

describe('starting the server', () => {
  it('fails fast with a message naming the database when MongoDB is unreachable', async () => {
    const { exited } = runServer({
      DATABASE_URI: 'mongodb://127.0.0.1:1/newsroom',
      PAYLOAD_SECRET: 'x',
      MONGODB_TIMEOUT_MS: '2000',
    })
    const run = await exited
    expect(run.code).not.toBe(0)
    expect(run.ms).toBeLessThan(30_000)
    expect(run.stderr).toMatch(
      /could not start \(database mongodb:\/\/127\.0\.0\.1:1\/newsroom\).*MongoDB/,
    )
  })

  it('refuses to start in production without PAYLOAD_SECRET, naming the variable', async () => {
    const { exited } = runServer({ DATABASE_URI: ':memory:', PAYLOAD_SECRET: '' })
    const run = await exited
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('PAYLOAD_SECRET is not set')
  })

  it('creates and migrates a new SQLite file, importing ARCHIVE_DIR after the schema, serves, and shuts down cleanly on SIGTERM', async () => {
    const file = path.join(tmp, 'fresh.db')
    const { child, matched, exited } = runServer(
      // The import_archive migration writes through the current config: every schema migration
      // (even those dated after it) must have run first.
      { DATABASE_URI: file, PAYLOAD_SECRET: 'x', ARCHIVE_DIR: path.join(root, 'examples/archive') },
      { until: /ready on (http:\/\/127\.0\.0\.1:\d+)/ },
    )
    const url = await Promise.race([
      matched,
      exited.then((r) => Promise.reject(new Error(r.stderr + r.stdout))),
    ])
    const health = await fetch(`${url}/healthz`)
    expect(health.status).toBe(200)
    const posts = await fetch(`${url}/api/posts?limit=1`)
    expect(posts.status).toBe(200)
    expect(((await posts.json()) as { totalDocs: number }).totalDocs).toBeGreaterThan(0)
    expect(fs.existsSync(file)).toBe(true)
    child.kill('SIGTERM')
    const run = await exited
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('SIGTERM received: shutting down')
  })
})
