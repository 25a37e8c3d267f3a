import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import type { IngestReport } from '../../src/ingest/run'
import { bootPayload } from '../helpers/payload'
import { createSource } from './helpers'
import { loadArticles, rss, startFeedServer, toEntry, type FeedServer } from './support'
import { sharedDatabase } from '../helpers/database'

const root = path.resolve(import.meta.dirname, '../..')

/** Runs `npm run ingest -- ...` (the tsx entry) against the test's database file. */
const ingestCli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/ingest.ts', ...args],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '', ...env } },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

describe('npm run ingest', () => {
  let tmp: string
  let feeds: FeedServer
  let env: Record<string, string>
  let slugs: { good: string; broken: string }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-cli-'))
    const database = sharedDatabase(path.join(tmp, 'newsroom.db'))
    process.env.DATABASE_URI = database
    env = { DATABASE_URI: database, PAYLOAD_SECRET: 'test-secret' }
    const { articles, cleanup } = loadArticles(2)
    feeds = await startFeedServer()
    feeds.serve('/good.xml', rss(articles.map((a) => toEntry(a))))
    feeds.serve('/broken.xml', 'this is not a feed', { type: 'text/plain' })
    const payload = await bootPayload()
    const good = await createSource(payload, `${feeds.base}/good.xml`)
    const broken = await createSource(payload, `${feeds.base}/broken.xml`)
    slugs = { good: good.slug!, broken: broken.slug! }
    await payload.destroy()
    cleanup()
  }, 120_000)
  afterAll(async () => {
    await feeds?.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  it('polls one source now, writes the report and exits 0 when its feed was read', async () => {
    const reportFile = path.join(tmp, 'report.json')
    const run = await ingestCli(['--source', slugs.good, '--report', reportFile], env)
    expect(run.stderr).not.toMatch(/ingest failed/)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/2 created, 0 updated, 0 unchanged/)
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as IngestReport
    expect(report.rows.map((r) => r.status)).toEqual(['created', 'created'])
    expect(report.feeds).toEqual([expect.objectContaining({ source: slugs.good, status: 'ok' })])
  }, 120_000)

  it('exits 1 when a feed failed, and names the reason', async () => {
    const run = await ingestCli(['--source', slugs.broken, '--source', 'no-such-source'], env)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`${slugs.broken}: failed .*not a feed`))
    expect(run.stdout).toMatch(/no-such-source: failed/)
  }, 120_000)

  it('exits 2 on an unknown option', async () => {
    const run = await ingestCli(['--sauce', 'x'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/Usage: npm run ingest/)
  }, 60_000)
})
