import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Page } from 'playwright-core'

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

let env: BrowserTestEnv
const ids: Record<string, number> = {}

beforeAll(async () => {
  env = await startBrowserTestEnv()
  const { payload } = env
  await createStaff(payload, 'admin', 'Ada Admin')
  await createStaff(payload, 'editor', 'Eddie Editor')
  await createStaff(payload, 'writer', 'Wu Writer')
  const rfi = await payload.create({ collection: 'sources', data: { name: 'RFI 法广' } })
  const zaobao = await payload.create({ collection: 'sources', data: { name: '联合早报' } })
  ids.zaobao = zaobao.id
  const posts: Array<[string, number, string]> = [
    ['法广：巴黎气候谈判', rfi.id, 'in_review'],
    ['法广：欧洲议会选举', rfi.id, 'draft'],
    ['早报：新加坡预算案', zaobao.id, 'in_review'],
    ['早报：东盟峰会开幕', zaobao.id, 'draft'],
  ]
  for (const [title, source, editorialState] of posts) {
    await payload.create({
      collection: 'posts',
      data: { title, source, editorialState } as never,
      draft: true,
      overrideAccess: true,
    })
  }
})

afterAll(async () => {
  await env?.close()
})

const rowTitles = (page: Page) => page.locator('.table tbody tr td:nth-child(2)').allTextContents()

/** Waits until the list shows exactly these titles (in any order). */
const listShows = (page: Page, titles: string[]) =>
  pollUntil(
    `the posts list to show ${titles.join(', ')}`,
    async () => {
      const shown = (await rowTitles(page)).map((t) => t.trim())
      return shown.length === titles.length && titles.every((t) => shown.includes(t))
    },
    { intervalMs: 250, timeoutMs: 15_000 },
  )

describe('the posts list and the admin language', () => {
  it('filters posts by source and by editorial state; a source links to its posts', async () => {
    const context = await env.browser.newContext()
    const page = await context.newPage()
    await step(page, 'filters', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts`)
      await listShows(page, [
        '法广：巴黎气候谈判',
        '法广：欧洲议会选举',
        '早报：新加坡预算案',
        '早报：东盟峰会开幕',
      ])
      // The option list of sources arrives from the API after the first render.
      await page
        .locator('[data-testid="filter-source"] option', { hasText: '联合早报' })
        .waitFor({ state: 'attached' })
      await page.locator('[data-testid="filter-source"]').selectOption({ label: '联合早报' })
      await listShows(page, ['早报：新加坡预算案', '早报：东盟峰会开幕'])
      await page.locator('[data-testid="filter-state"]').selectOption('in_review')
      await listShows(page, ['早报：新加坡预算案'])
      // The filters live in the URL, so a filtered list can be shared and reloaded.
      await page.reload()
      await listShows(page, ['早报：新加坡预算案'])
      expect(await page.locator('[data-testid="filter-state"]').inputValue()).toBe('in_review')
      await screenshot(page, '4-posts-filtered-by-source-and-state')

      // A source's page links to its posts in this list (not every post inline).
      await page.goto(`${env.server.url}/admin/collections/sources/${ids.zaobao}`)
      await page.locator('[data-testid="source-posts-link"] a').click()
      await listShows(page, ['早报：新加坡预算案', '早报：东盟峰会开幕'])
    })
    expect(env.foreignRequests).toEqual([])
  })

  it('switching the admin to Chinese shows Chinese labels, ours included, and the choice follows the user', async () => {
    const context = await env.browser.newContext()
    const page = await context.newPage()
    await step(page, 'chinese', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await seeText(page, '[data-testid="newsroom-desk"] h2', 'Newsroom desk')
      await page.goto(`${env.server.url}/admin/account`)
      await page
        .locator('.payload-settings__language .rs__control, #language-select')
        .first()
        .click()
      await page.locator('.rs__option', { hasText: '中文' }).click()
      // Payload's own strings, our collection labels and groups, and our components' strings.
      await seeText(page, 'nav', '编辑部')
      await page.goto(`${env.server.url}/admin`)
      await seeText(page, '[data-testid="newsroom-desk"] h2', '编辑部工作台')
      await seeText(page, '[data-testid="desk-waiting-for-review"] h3', '等待审核')
      await seeText(page, '[data-testid="desk-upcoming"] h3', '即将执行的定时发布')
      await seeText(page, 'nav', '目录')
      await page.goto(`${env.server.url}/admin/collections/posts`)
      await seeText(page, '[data-testid="post-quick-filters"]', '快速筛选')
      await seeText(page, '.table thead', '编辑状态')
      await seeText(page, '.list-header', '文章')
    })

    // The language is the user's: a fresh browser (no language cookie) shows this editor Chinese...
    const elsewhere = await env.browser.newContext()
    const second = await elsewhere.newPage()
    await step(second, 'chinese-elsewhere', async () => {
      await loginAs(second, env.server.url, 'editor@newsroom.test')
      await seeText(second, '[data-testid="newsroom-desk"] h2', '编辑部工作台', 30_000)
    })
    // ...and the writer still English.
    const writerContext = await env.browser.newContext()
    const writer = await writerContext.newPage()
    await step(writer, 'writer-english', async () => {
      await loginAs(writer, env.server.url, 'writer@newsroom.test')
      await seeText(writer, '[data-testid="newsroom-desk"] h2', 'Newsroom desk')
    })
    await screenshot(second, '5-admin-in-chinese')
    expect(env.foreignRequests).toEqual([])
  })

  it('reads the stored language once per tab, not on every page the editor opens', async () => {
    const context = await env.browser.newContext()
    const page = await context.newPage()
    const desk = page.locator('[data-testid="newsroom-desk"] h2')
    await loginAs(page, env.server.url, 'editor@newsroom.test')
    await desk.waitFor({ timeout: 30_000 })
    await pollUntil(
      'the tab to record that the stored language was read',
      () => page.evaluate(() => sessionStorage.getItem('newsroom-language-synced') !== null),
      { intervalMs: 100, timeoutMs: 15_000 },
    )
    const reads: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/payload-preferences/newsroom-language'))
        reads.push(request.url())
    })
    await page.goto(`${env.server.url}/admin/collections/posts`)
    await page.locator('.list-header').waitFor()
    await page.goto(`${env.server.url}/admin`)
    await desk.waitFor()
    await page.waitForLoadState('networkidle')
    expect(reads).toEqual([])
    await context.close()
  })
})
