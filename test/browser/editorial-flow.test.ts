import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { BrowserContext, Page } from 'playwright-core'

import {
  createStaff,
  loginAs,
  pngImage,
  pollUntil,
  screenshot,
  seeText,
  step,
  startBrowserTestEnv,
  type BrowserTestEnv,
} from './support'

// The whole desk flow in one browser session per person: a writer writes and submits, an editor
// approves and schedules, the jobs cron publishes, the preview shows the reader's page.
const TITLE = '台风“海燕”逼近华南沿海'
const HEADING = '各地防御措施'
const LINK_TEXT = '气象台公告'
const LINK_URL = 'https://www.cma.gov.cn/typhoon'
const TIMEZONE = 'Asia/Shanghai'

let env: BrowserTestEnv
let postId: string
let writerContext: BrowserContext
let editorContext: BrowserContext

beforeAll(async () => {
  env = await startBrowserTestEnv()
  const { payload } = env
  await createStaff(payload, 'admin', 'Ada Admin')
  await createStaff(payload, 'editor', 'Eddie Editor')
  await createStaff(payload, 'writer', 'Wu Writer')
  await payload.create({
    collection: 'sources',
    data: {
      name: 'RFI 法广',
      homepage: 'https://www.rfi.fr/cn/',
      attribution: '© RFI 法国国际广播电台，经授权转载。',
    },
  })
  await payload.create({ collection: 'authors', data: { name: '吴记者' } })
  const image = await pngImage()
  await payload.create({
    collection: 'media',
    data: { alt: '卫星云图' },
    file: { data: image, mimetype: 'image/png', name: 'satellite.png', size: image.length },
  })
  // The schedule drawer offers the newsroom's time zone (Asia/Shanghai) by default; a browser in the
  // same zone types the wall-clock time it means.
  writerContext = await env.browser.newContext({ timezoneId: TIMEZONE })
  editorContext = await env.browser.newContext({ timezoneId: TIMEZONE })
})

afterAll(async () => {
  await env?.close()
})

/** Picks an option of a Payload relationship field (react-select) by its visible text. */
const pickRelationship = async (page: Page, field: string, text: string) => {
  await page.locator(`#field-${field} .rs__control`).click()
  await page.locator('.rs__option', { hasText: text }).first().click()
  await page.keyboard.press('Escape')
}

/** Waits until autosave has stored every change (the workflow buttons are enabled again). */
const waitForSaved = (page: Page) =>
  page
    .locator('#editorial-in_review, #editorial-approved')
    .first()
    .waitFor({ state: 'visible' })
    .then(() =>
      pollUntil('the autosave to finish', async () =>
        page
          .locator('[data-testid="editorial-actions"] button:not([disabled])')
          .count()
          .then((n) => n > 0),
      ),
    )

describe('the editorial desk in a real browser', () => {
  it('a writer writes a post with a heading, a link and an image, submits it for review and cannot publish it', async () => {
    const page = await writerContext.newPage()
    await step(page, 'writer', async () => {
      await loginAs(page, env.server.url, 'writer@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/create`)
      // With autosave the admin creates the draft at once and moves to its URL.
      await page.waitForURL(/\/admin\/collections\/posts\/\d+/, { timeout: 30_000 })
      postId = page.url().match(/posts\/(\d+)/)![1]

      await page.locator('#field-title').fill(TITLE)
      const editor = page.locator('.rich-text-lexical [contenteditable="true"]').first()
      await editor.click()
      await page.keyboard.type('强台风预计明晚登陆。')
      await page.keyboard.press('Enter')
      // Markdown shortcuts of the Lexical editor: "## " makes a heading, [text](url) a link.
      await page.keyboard.type(`## ${HEADING}`)
      await page.keyboard.press('Enter')
      await page.keyboard.type(`详情见[${LINK_TEXT}](${LINK_URL}) `)
      await page.keyboard.press('Enter')
      // The slash menu inserts an upload: pick the photo desk's satellite image.
      await page.keyboard.type('/upload')
      await page.locator('#slash-menu-item-upload, .slash-menu-popup__item-upload').first().click()
      await page.getByText('satellite.png', { exact: true }).last().click()
      await editor.locator('h2', { hasText: HEADING }).waitFor()
      await editor.locator(`a[href="${LINK_URL}"]`, { hasText: LINK_TEXT }).waitFor()
      await editor.locator('.lexical-upload, [data-lexical-decorator="true"]').first().waitFor()

      await page
        .getByRole('tab', { name: 'Metadata' })
        .click()
        .catch(async () => page.getByText('Metadata', { exact: true }).click())
      await pickRelationship(page, 'authors', '吴记者')
      await pickRelationship(page, 'source', 'RFI 法广')

      await waitForSaved(page)
      // Writers are offered no publish button at all.
      expect(await page.locator('#action-save').count()).toBe(0)
      await page.locator('#editorial-in_review').click()
      await page.waitForLoadState('load')
      await seeText(page, '[data-testid="editorial-state"]', 'In review')
      // The editorial history in the sidebar records the move.
      await seeText(page, 'span', 'Draft → In review')

      const stored = await env.payload.findByID({
        collection: 'posts',
        id: postId,
        draft: true,
        depth: 0,
      })
      expect(stored.title).toBe(TITLE)
      expect(stored.editorialState).toBe('in_review')
      expect(stored.contentHtml).toContain(`<h2>${HEADING}</h2>`)
      expect(stored.contentHtml).toContain(`href="${LINK_URL}"`)
      expect(stored.contentHtml).toMatch(/<img [^>]*src="\/api\/media\/file\/satellite/)

      // The server refuses a writer's publish too, with a reason.
      const status = await page.evaluate(async (id) => {
        const res = await fetch(`/api/posts/${id}`, {
          method: 'PATCH',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ _status: 'published' }),
        })
        return res.status
      }, postId)
      expect(status).toBe(403)

      // Staff preview their drafts; readers get nothing.
      const [preview] = await Promise.all([
        writerContext.waitForEvent('page'),
        page.locator('#preview-button, .preview-btn, [aria-label="Preview"]').first().click(),
      ])
      await preview.waitForLoadState('load')
      await seeText(preview, '[data-testid="preview-banner"]', 'draft')
      const anonymous = await fetch(`${env.server.url}/preview/posts/${postId}`)
      expect(anonymous.status).toBe(401)
      await screenshot(page, '1-writer-submitted')
    })
    expect(env.foreignRequests).toEqual([])
  })

  it('an editor finds it on the dashboard, approves it, schedules it, sees it upcoming, then published, and previews it', async () => {
    const page = await editorContext.newPage()
    await step(page, 'editor', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await seeText(page, '[data-testid="desk-waiting-for-review"] a', TITLE)
      await page.locator('[data-testid="desk-waiting-for-review"] a', { hasText: TITLE }).click()
      await page.waitForURL(new RegExp(`/admin/collections/posts/${postId}`))

      await page.locator('#editorial-approved').click()
      await seeText(page, '[data-testid="editorial-state"]', 'Approved')

      // Publish ▸ Schedule publish, at the next full minute that is at least 15 s away.
      const at = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000)
      const typed = formatForPicker(at)
      // The publish menu can close again when the document re-renders (autosave, polling): reopen
      // it until its "Schedule publish" item is visible.
      const scheduleItem = page.locator('#schedule-publish')
      for (let attempt = 1; !(await scheduleItem.isVisible()); attempt++) {
        if (attempt > 10) throw new Error('the publish menu never showed "Schedule publish"')
        await page.locator('div:has(> #action-save) .popup-button').click()
        await scheduleItem.waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined)
      }
      await scheduleItem.click()
      // The drawer proposes "Unpublish" for a post that was never published; choose "Publish".
      await page.locator('.schedule-publish__type').getByText('Publish', { exact: true }).click()
      const input = page.locator('.schedule-publish .date-time-picker input').first()
      await input.click()
      await input.fill(typed)
      await page.keyboard.press('Enter')
      await page.locator('#scheduled-publish-save').click()
      await seeText(page, '.schedule-publish__upcoming tbody', 'Publish')

      // The desk lists it as upcoming, then (the jobs cron ran) as published.
      await page.goto(`${env.server.url}/admin`)
      await seeText(page, '[data-testid="desk-upcoming-list"] li', TITLE)
      await screenshot(page, '2-editor-upcoming')
      const waitMs = at.getTime() - Date.now() + 30_000
      await seeText(page, '[data-testid="desk-recently-published"] a', TITLE, waitMs)
      expect(
        await page.locator('[data-testid="desk-upcoming-list"] li', { hasText: TITLE }).count(),
      ).toBe(0)
      const published = await env.payload.findByID({ collection: 'posts', id: postId, depth: 0 })
      expect(published._status).toBe('published')
      expect(new Date(published.publishedAt!).getTime()).toBeGreaterThanOrEqual(at.getTime() - 1000)

      // The preview, from the edit view, as readers will see it.
      await page.goto(`${env.server.url}/admin/collections/posts/${postId}`)
      await seeText(page, '.doc-controls', 'Published')
      const [preview] = await Promise.all([
        editorContext.waitForEvent('page'),
        page.locator('#preview-button, .preview-btn, [aria-label="Preview"]').first().click(),
      ])
      await preview.waitForLoadState('load')
      await seeText(preview, 'article h1', TITLE)
      await seeText(preview, '[data-testid="preview-byline"]', '吴记者')
      await seeText(preview, '[data-testid="preview-attribution"]', 'RFI 法广')
      await seeText(preview, '[data-testid="preview-attribution"]', '经授权转载')
      await seeText(preview, '[data-testid="preview-content"] h2', HEADING)
      expect(
        await preview
          .locator(`[data-testid="preview-content"] a[href="${LINK_URL}"]`)
          .textContent(),
      ).toBe(LINK_TEXT)
      const loaded = await preview
        .locator('[data-testid="preview-content"] img')
        .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)
      expect(loaded).toBe(true)
      expect(await preview.locator('[data-testid="preview-banner"]').count()).toBe(0)
      await screenshot(preview, '3-preview-as-readers-see-it')
    })
    expect(env.foreignRequests).toEqual([])
  })
})

/** "Nov 28, 2026 3:05 PM" in the newsroom's time zone: what the schedule drawer's date field takes. */
const formatForPicker = (date: Date): string => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: TIMEZONE,
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      hour12: true,
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.month} ${parts.day}, ${parts.year} ${parts.hour}:${parts.minute} ${parts.dayPeriod}`
}
