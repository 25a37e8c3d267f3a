import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { login } from '../helpers/server'
import {
  createStaff,
  loginAs,
  PASSWORD,
  screenshot,
  seeText,
  startBrowserTestEnv,
  step,
  type BrowserTestEnv,
} from './support'

const ARCHIVE = path.resolve('examples/archive')

let env: BrowserTestEnv

type ImportRunJson = {
  status: string
  archiveDir: string
  summary: Record<string, number>
  report: Array<{ status: string; file: string; reason?: string; warnings: string[] }>
}

beforeAll(async () => {
  env = await startBrowserTestEnv()
  await createStaff(env.payload, 'admin', 'Ada Admin')
  await createStaff(env.payload, 'editor', 'Eddie Editor')
  await createStaff(env.payload, 'writer', 'Wu Writer')
  // Set only now: with ARCHIVE_DIR set at start-up the archive migration would import it at boot.
  process.env.ARCHIVE_DIR = ARCHIVE
})

afterAll(async () => {
  delete process.env.ARCHIVE_DIR
  await env?.close()
})

describe('importing the archive from the admin', () => {
  it('is refused to writers', async () => {
    const res = await fetch(`${env.server.url}/api/newsroom/import`, {
      method: 'POST',
      headers: {
        authorization: await login(env.server.url, 'writer@newsroom.test', PASSWORD),
        'content-type': 'application/json',
      },
      body: '{}',
    })
    expect(res.status).toBe(403)
  })

  it('an editor starts an import of the server archive; it runs as a job and its report is shown', async () => {
    // A writer's own draft at one article's URL: the import must leave it alone and say so.
    const writer = await env.payload.find({
      collection: 'users',
      where: { email: { equals: 'writer@newsroom.test' } },
      overrideAccess: true,
    })
    const own = await env.payload.create({
      collection: 'posts',
      data: {
        title: 'Our own markets story',
        sourceUrl: 'https://news.example.org/business/2025/03/markets.html',
        _status: 'draft',
      },
      draft: true,
      user: writer.docs[0],
      overrideAccess: false,
    })
    const context = await env.browser.newContext()
    const page = await context.newPage()
    await step(page, 'import', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await seeText(page, '[data-testid="desk-imports"]', 'Import the archive')
      await page.locator('#newsroom-start-import').click()
      // The jobs cron picks the job up; the panel follows the run and opens its report.
      await seeText(
        page,
        '[data-testid="import-run"][data-status="completed"]',
        /files \d+/,
        90_000,
      )
      await page.locator('[data-testid="import-report"]').waitFor()

      // The run as the editor's session reads it over REST.
      const run: ImportRunJson = await page.evaluate(async () => {
        const res = await fetch('/api/import-runs?sort=-createdAt&limit=1&depth=0', {
          credentials: 'include',
        })
        return (await res.json()).docs[0]
      })
      expect(run.status).toBe('completed')
      expect(run.archiveDir).toBe(ARCHIVE)
      expect(run.summary.files).toBeGreaterThan(0)
      for (const key of ['files', 'created', 'failed']) {
        const shown = await page.locator(`[data-testid="import-count-${key}"] dd`).textContent()
        expect(Number(shown)).toBe(run.summary[key])
      }
      // Files that did not become posts are listed with the importer's reason.
      const left = run.report.filter((row) =>
        ['failed', 'skipped', 'duplicate'].includes(row.status),
      )
      expect(left.length).toBeGreaterThan(0) // the example archive has a duplicate
      // The example's whole scraped page is read with the reader view in the server too (its DOMs
      // load there; a DOM that cannot load fails the file).
      const scraped = run.report.find((row) =>
        row.file.endsWith('A scraped page, not a feed item.md'),
      )
      expect(scraped).toMatchObject({ status: 'created' })
      expect(scraped?.warnings).toContain(
        'scraped page: kept the reader-view article text, dropped page chrome',
      )
      const table = page.locator('[data-testid="import-failed-rows"]')
      expect(await table.locator('tbody tr').count()).toBe(left.length)
      await seeText(page, '[data-testid="import-failed-rows"] td', left[0].file)
      if (left[0].reason)
        await seeText(page, '[data-testid="import-failed-rows"] td', left[0].reason)

      // The writer's post is a conflict, listed with a link to it, and untouched.
      expect(run.summary.conflict).toBe(1)
      const conflicts = page.locator('[data-testid="import-conflict-rows"]')
      expect(await conflicts.locator('tbody tr').count()).toBe(1)
      await seeText(page, '[data-testid="import-conflict-rows"] td', `post ${own.id}`)
      expect(await conflicts.locator(`a[href$="/collections/posts/${own.id}"]`).count()).toBe(1)
      const after = await env.payload.findByID({ collection: 'posts', id: own.id, draft: true })
      expect({ title: after.title, status: after._status }).toEqual({
        title: 'Our own markets story',
        status: 'draft',
      })

      // The imported posts are in (beside the writer's); those the importer flagged are on the desk.
      const imported = await env.payload.count({ collection: 'posts' })
      expect(imported.totalDocs).toBe(run.summary.created + 1)
      const flagged = await env.payload.find({
        collection: 'posts',
        where: { 'review.flagged': { equals: true } },
        // The desk lists them worst first: the lowest fidelity is its first entry.
        sort: 'review.fidelity',
        limit: 1,
        depth: 0,
      })
      // A fresh page: the desk's lists as loaded now, and the run's report closed again.
      await page.reload()
      if (flagged.docs[0]) {
        await seeText(page, '[data-testid="desk-flagged"] a', flagged.docs[0].title)
      } else {
        await seeText(page, '[data-testid="desk-flagged"]', 'Nothing here.')
      }
      await page.locator('[data-testid="import-run"]').first().getByText('Show report').click()
      await page.locator('[data-testid="import-report"]').waitFor()
      await screenshot(page, '6-import-report')
    })
    expect(env.foreignRequests).toEqual([])
  })
})
