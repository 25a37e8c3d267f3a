import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, describe, expect, it } from '@jest/globals'

import { scaled } from '../helpers/timing'

const root = path.resolve(import.meta.dirname, '../..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-startup-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

type Run = { code: number | null; stdout: string; stderr: string; ms: number }

/**
 * Runs src/server.ts (or `script`) as its own process, as `npm run serve` would, until it exits or
 * `until` matches; killed after `timeoutMs`.
 */
const runServer = (
  env: Record<string, string | undefined>,
  {
    until,
    timeoutMs = scaled(45_000),
    script = 'src/server.ts',
  }: { until?: RegExp; timeoutMs?: number; script?: string } = {},
) => {
  const started = Date.now()
  // As `npm run serve` does: tsx as a loader in the server's own process. Under the tsx CLI, a
  // SIGTERM reaches the server through the CLI, which kills it (143) if it does not answer in 30 ms.
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SERVE_ADMIN: 'false',
      PORT: '0',
      ...env,
    },
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
    // Fast: the 2 s MongoDB timeout, plus loading the modules (scaled to the machine's load).
    expect(run.ms).toBeLessThan(scaled(30_000))
    expect(run.stderr).toMatch(
      /could not start \(database mongodb:\/\/127\.0\.0\.1:1\/newsroom\).*MongoDB/,
    )
  }, 60_000)

  it('refuses to start in production without PAYLOAD_SECRET, naming the variable', async () => {
    const { exited } = runServer({ DATABASE_URI: ':memory:', PAYLOAD_SECRET: '' })
    const run = await exited
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('PAYLOAD_SECRET is not set')
  }, 60_000)

  it('creates and migrates a new SQLite file, importing ARCHIVE_DIR after the schema, serves, and shuts down cleanly on SIGTERM', async () => {
    const file = path.join(tmp, 'fresh.db')
    const { child, matched, exited } = runServer(
      // The import_archive migration writes through the current config: every schema migration
      // (even those dated after it) must have run first.
      {
        DATABASE_URI: file,
        PAYLOAD_SECRET: 'x',
        ARCHIVE_DIR: path.join(root, 'examples/archive'),
      },
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
  }, 90_000)

  it('`npm start` listens before its start-up work, serves on that same port, and leaves the examples out of a database that has posts', async () => {
    // A newsroom's own archive (one post), imported by the import_archive migration.
    const archive = path.join(tmp, 'own-archive')
    fs.mkdirSync(path.join(archive, '_posts'), { recursive: true })
    fs.copyFileSync(
      path.join(root, 'examples/archive/_posts/2025-03-13-Markets close higher.md'),
      path.join(archive, '_posts/2025-03-13-Markets close higher.md'),
    )
    const { child, matched, exited } = runServer(
      { DATABASE_URI: path.join(tmp, 'own.db'), PAYLOAD_SECRET: 'x', ARCHIVE_DIR: archive },
      { until: /ready on (http:\/\/127\.0\.0\.1:\d+)/, script: 'scripts/start.ts' },
    )
    const url = await Promise.race([
      matched,
      exited.then((r) => Promise.reject(new Error(r.stderr + r.stdout))),
    ])
    child.kill('SIGTERM')
    const run = await exited
    const output = run.stdout + run.stderr
    // The socket opened first is the one the server answers on (PORT=0: the system picked it).
    const listening = output.indexOf(`newsroom: listening on ${url} (503 until ready)`)
    expect(listening).toBeGreaterThanOrEqual(0)
    expect(listening).toBeLessThan(output.indexOf('Migrating'))
    expect(output).toContain('Example archive not imported: the database has 1 posts')
    expect(output).not.toMatch(/Example archive .*files/)
    expect(run.code).toBe(0)
  }, 120_000)
})

/** Sends SIGTERM once `point` shows in the output, and resolves with how the process ended. */
const stopAt = async (
  script: string,
  env: Record<string, string | undefined>,
  point: RegExp,
): Promise<Run & { reachedReady: boolean }> => {
  const { child, matched, exited } = runServer(env, { until: point, script })
  await Promise.race([
    matched,
    exited.then((r) =>
      Promise.reject(new Error(`exited before ${point}: ${r.code}\n${r.stdout}${r.stderr}`)),
    ),
  ])
  child.kill('SIGTERM')
  const run = await exited
  return { ...run, reachedReady: /ready on http/i.test(run.stdout + run.stderr) }
}

describe('a SIGTERM while the server starts', () => {
  it('stops it cleanly (exit 0) while its modules still load', async () => {
    const run = await stopAt(
      'src/server.ts',
      { DATABASE_URI: path.join(tmp, 'loading.db'), PAYLOAD_SECRET: 'x' },
      /newsroom: starting/,
    )
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(run.stdout).toContain('SIGTERM received: shutting down')
    expect(run.reachedReady).toBe(false)
  }, 60_000)

  it('stops it cleanly (exit 0) while it migrates and imports ARCHIVE_DIR, and the next start completes the import', async () => {
    const file = path.join(tmp, 'migrating.db')
    const env = {
      DATABASE_URI: file,
      PAYLOAD_SECRET: 'x',
      ARCHIVE_DIR: path.join(root, 'examples/archive'),
    }
    const run = await stopAt('src/server.ts', env, /Migrating: \S+_import_archive/)
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('SIGTERM received: shutting down'),
    })
    expect(run.reachedReady).toBe(false)

    const again = runServer(env, { until: /ready on (http:\/\/127\.0\.0\.1:\d+)/ })
    const url = await Promise.race([
      again.matched,
      again.exited.then((r) => Promise.reject(new Error(r.stderr + r.stdout))),
    ])
    const posts = await fetch(`${url}/api/posts?limit=1`)
    expect(((await posts.json()) as { totalDocs: number }).totalDocs).toBeGreaterThan(0)
    again.child.kill('SIGTERM')
    expect((await again.exited).code).toBe(0)
  }, 120_000)

  it('stops `npm start` cleanly (exit 0) after the server listens, before the examples are seeded', async () => {
    const run = await stopAt(
      'scripts/start.ts',
      { DATABASE_URI: path.join(tmp, 'seeding.db'), PAYLOAD_SECRET: 'x' },
      /No users yet/,
    )
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('SIGTERM received: shutting down'),
    })
  }, 60_000)
})
