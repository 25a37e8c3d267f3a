import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import {
  createStaff,
  loginAs,
  pollUntil,
  screenshot,
  seeText,
  startBrowserTestEnv,
  step,
  type BrowserTestEnv,
} from './support'

/**
 * The desk's lists and pages at archive scale (issue 21): the "Needs review" column, 50 rows a page,
 * Source cells named on every row, one date format, a source's page that links to its posts instead
 * of listing them and says it was never polled, and the raw front matter shown without anything
 * loaded from another host.
 */
let env: BrowserTestEnv
const ids: Record<string, number> = {}

beforeAll(async () => {
  env = await startBrowserTestEnv()
  const { payload } = env
  await createStaff(payload, 'editor', 'Eddie Editor')
  const daily = await payload.create({ collection: 'sources', data: { name: 'Example Daily' } })
  const other = await payload.create({ collection: 'sources', data: { name: '联合早报' } })
  ids.daily = daily.id
  const flagged = await payload.create({
    collection: 'posts',
    data: {
      title: 'Flagged import',
      source: daily.id,
      publishedAt: '2025-01-02T08:05:00.000Z',
      review: { flagged: true, warnings: ['low fidelity'] },
      provenance: {
        archiveFile: '_posts/2025-01-02-flagged.md',
        frontMatter: { title: 'Flagged import - Example Daily', layout: 'post' },
      },
    } as never,
    draft: true,
    overrideAccess: true,
  })
  ids.flagged = flagged.id
  await payload.create({
    collection: 'posts',
    data: { title: 'Clean import', source: daily.id } as never,
    draft: true,
    overrideAccess: true,
  })
  await payload.create({
    collection: 'posts',
    data: { title: '早报：另一篇', source: other.id } as never,
    draft: true,
    overrideAccess: true,
  })
  await payload.create({
    collection: 'posts',
    data: {
      title: 'Published story',
      source: other.id,
      _status: 'published',
      publishedAt: '2025-01-03T09:10:00.000Z',
    } as never,
    overrideAccess: true,
  })
  // Rows below the fold: Payload's own cell read "<No Source>" there until scrolled into view.
  for (let i = 1; i <= 30; i++)
    await payload.create({
      collection: 'posts',
      data: { title: `Older story ${i}`, source: other.id } as never,
      draft: true,
      overrideAccess: true,
    })
})

afterAll(async () => {
  await env?.close()
})

const rowTitles = async (page: import('playwright-core').Page) =>
  (await page.locator('.table tbody tr td:nth-child(2)').allTextContents()).map((t) => t.trim())

describe('the desk at archive scale', () => {
  it('shows 50 posts a page, marks the posts that need review with a checkmark and names every source, dates in one format', async () => {
    const page = await (await env.browser.newContext({ timezoneId: 'UTC' })).newPage()
    await step(page, 'list-flagged', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts`)
      await seeText(page, '.table tbody', 'Flagged import', 30_000)
      await seeText(page, '.per-page', '50')
      const marks = page.locator('[data-testid="flagged-mark"]')
      await marks.first().waitFor()
      expect(await marks.count()).toBe(1)
      const flaggedRow = page.locator('.table tbody tr', { hasText: 'Flagged import' })
      expect(await flaggedRow.locator('[data-testid="flagged-mark"]').count()).toBe(1)
      expect(await page.locator('.table tbody').textContent()).not.toContain('false')

      // Every row's source is named, below the fold too, without scrolling.
      const sources = page.locator('[data-testid="relationship-cell-sources"]')
      await pollUntil(
        'every row to name its source',
        async () => {
          const names = await sources.allTextContents()
          return (
            names.length === 34 && names.every((n) => n === 'Example Daily' || n === '联合早报')
          )
        },
        { intervalMs: 250, timeoutMs: 20_000 },
      )
      expect(await page.locator('.table tbody').textContent()).not.toContain('<No')

      // The list's date, the editor's date field and its sidebar: one format.
      await seeText(page, '.table tbody tr', '2025-01-02 08:05')
      await page.goto(`${env.server.url}/admin/collections/posts/${ids.flagged}`)
      const publishedAt = page.locator('#field-publishedAt input')
      await publishedAt.waitFor({ timeout: 30_000 })
      expect(await publishedAt.inputValue()).toBe('2025-01-02 08:05')
      await seeText(page, '.doc-controls__meta', /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
      // The dashboard's cards too.
      await page.goto(`${env.server.url}/admin`)
      await seeText(page, '[data-testid="desk-recently-published"]', '2025-01-03 09:10', 30_000)
    })
  })

  it('shows the desk with its cards filled in by the page itself, and reads them again only when something changed', async () => {
    const page = await (await env.browser.newContext({ timezoneId: 'UTC' })).newPage()
    await step(page, 'desk-with-the-page', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto('about:blank')
      // The cards' own reads are refused: what they show came with the page.
      const cardReads: string[] = []
      const cardApi = /\/api\/(posts|sources|newsroom\/schedule)(\?|$)/
      await page.route(cardApi, async (route) => {
        cardReads.push(route.request().url())
        await route.abort()
      })
      let polls = 0
      page.on('response', (r) => {
        if (r.url().includes('/api/newsroom/desk/version') && r.status() === 200) polls++
      })
      await page.goto(`${env.server.url}/admin`)
      await seeText(page, '[data-testid="desk-flagged"][data-loaded] li', 'Flagged import', 30_000)
      await seeText(
        page,
        '[data-testid="desk-recently-published"][data-loaded] li',
        'Published story',
      )
      await page.locator('[data-testid="desk-upcoming"][data-loaded]').waitFor()
      await page.locator('[data-testid="desk-failing-feeds"][data-loaded]').waitFor()
      // The polls find the version the page was read at: nothing is read again (a reload the first
      // poll started would have asked before the second poll's answer).
      await pollUntil('two polls of the desk version', async () => polls >= 2, {
        intervalMs: 250,
        timeoutMs: 30_000,
      })
      expect(cardReads).toEqual([])

      // A change moves the version: the cards read again, over the API.
      await page.unroute(cardApi)
      const clean = await env.payload.find({
        collection: 'posts',
        where: { title: { equals: 'Clean import' } },
        draft: true,
        overrideAccess: true,
      })
      await env.payload.update({
        collection: 'posts',
        id: clean.docs[0].id,
        data: { review: { flagged: true, warnings: ['changed on the server'] } } as never,
        draft: true,
        overrideAccess: true,
      })
      await seeText(page, '[data-testid="desk-flagged"] li', 'Clean import', 30_000)
    })
  })

  it("links a source's page to its posts in the list instead of listing them inline", async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'source-link', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/sources/${ids.daily}`)
      const link = page.locator('[data-testid="source-posts-link"] a')
      await link.waitFor()
      expect(await page.locator('.field-type.join').count()).toBe(0)
      // Never polled: said in words, not shown as blank date boxes.
      await seeText(page, '[data-testid="ingest-health-summary"]', 'Never polled')
      expect(await page.locator('#field-ingestStatus__lastPolledAt').count()).toBe(0)
      await link.click()
      await pollUntil(
        'the posts list filtered by the source',
        async () => {
          const titles = await rowTitles(page)
          return (
            titles.length === 2 &&
            titles.includes('Flagged import') &&
            titles.includes('Clean import')
          )
        },
        { intervalMs: 250, timeoutMs: 30_000 },
      )
    })
  })

  it('shows the raw front matter as text, with nothing loaded from another host', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'front-matter', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/${ids.flagged}`)
      // The raw front matter is on the Provenance tab.
      await page.locator('.tabs-field__tab-button', { hasText: 'Provenance' }).click()
      await seeText(page, '[data-testid="json-frontMatter"] pre', 'Flagged import - Example Daily')
      await screenshot(page, 'raw-front-matter')
    })
    expect(env.foreignRequests).toEqual([])
  })
})
