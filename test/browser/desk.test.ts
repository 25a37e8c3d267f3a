import fs from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Page } from 'playwright-core'
import sharp from 'sharp'

import { runImport } from '../../src/importer'
import {
  createStaff,
  loginAs,
  pngImage,
  pollUntil,
  screenshot,
  seeText,
  startBrowserTestEnv,
  step,
  type BrowserTestEnv,
} from './support'

/**
 * The desk at archive scale, as an editor sees it: the images of an imported post (media with an
 * external URL and no file) in the editor, the media list and the upload drawer, the scraped-page
 * cleanup, the posts search box with Chinese, and the README's screenshot of the editor with the
 * bundled example archive's imported photo (written to docs/ with README_SCREENSHOTS=1).
 */
let env: BrowserTestEnv
let postId: number
let scrapedId: number
let imageUrl: string
const SCRAPED_TITLE = '港口夜间作业恢复'

const text = (value: string) => ({
  type: 'paragraph',
  version: 1,
  direction: null,
  format: '',
  indent: 0,
  textFormat: 0,
  textStyle: '',
  children: [
    { type: 'text', version: 1, text: value, format: 0, mode: 'normal', style: '', detail: 0 },
  ],
})

beforeAll(async () => {
  env = await startBrowserTestEnv()
  const { payload, server } = env
  await createStaff(payload, 'admin', 'Ada Admin')
  await createStaff(payload, 'editor', 'Eddie Editor')
  // An image the browser can load from this server (tests reach no other host), kept as an
  // imported image is: a media doc with an external URL and no file.
  const uploaded = await payload.create({
    collection: 'media',
    data: { alt: 'uploaded' },
    file: { data: await pngImage('#2e86c1'), mimetype: 'image/png', name: 'harbour.png', size: 0 },
    overrideAccess: true,
  })
  imageUrl = new URL(String(uploaded.url), server.url).href
  const external = await payload.create({
    collection: 'media',
    data: { externalUrl: imageUrl, alt: '港口' },
    overrideAccess: true,
  })
  const post = await payload.create({
    collection: 'posts',
    data: {
      title: '中国港口吞吐量创新高',
      content: {
        root: {
          type: 'root',
          version: 1,
          direction: null,
          format: '',
          indent: 0,
          children: [
            text('港口的照片：'),
            {
              type: 'upload',
              version: 3,
              format: '',
              id: 'harbour-photo',
              fields: null,
              relationTo: 'media',
              value: external.id,
            },
          ],
        },
      },
    } as never,
    draft: true,
    overrideAccess: true,
  })
  postId = post.id
  const scraped = await payload.create({
    collection: 'posts',
    data: {
      title: SCRAPED_TITLE,
      content: {
        root: {
          type: 'root',
          version: 1,
          direction: null,
          format: '',
          indent: 0,
          children: [
            { ...text(SCRAPED_TITLE), type: 'heading', tag: 'h1' },
            text('59 分钟前'),
            text('码头工人周一晚间复工。'),
          ],
        },
      },
    } as never,
    draft: true,
    overrideAccess: true,
  })
  scrapedId = scraped.id
  for (const title of ['中国外交部回应', '美国大选结果', '欧洲央行加息']) {
    await payload.create({
      collection: 'posts',
      data: { title } as never,
      draft: true,
      overrideAccess: true,
    })
  }
})

afterAll(async () => {
  await env?.close()
})

/**
 * A stand-in photo for an example image: the bundled archive's images live at example hosts that
 * do not exist, and tests reach no other host.
 */
const standInPhoto = () =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400">
        <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">
          <stop offset="0" stop-color="#1b2a49"/><stop offset="1" stop-color="#c97b3c"/>
        </linearGradient></defs>
        <rect width="600" height="400" fill="url(#g)"/>
        ${[60, 170, 280, 390, 500].map((x) => `<rect x="${x - 40}" y="150" width="80" height="190" fill="#5b3a1e"/><rect x="${x - 30}" y="160" width="60" height="20" fill="#f3d9a4"/>`).join('')}
        <rect y="340" width="600" height="60" fill="#3b2a1a"/>
      </svg>`,
    ),
  )
    .jpeg()
    .toBuffer()

const rowTitles = (page: Page) => page.locator('.table tbody tr td:nth-child(2)').allTextContents()

const listShows = (page: Page, titles: string[]) =>
  pollUntil(
    `the posts list to show ${titles.join(', ')}`,
    async () => {
      const shown = (await rowTitles(page)).map((t) => t.trim())
      return shown.length === titles.length && titles.every((t) => shown.includes(t))
    },
    { intervalMs: 250, timeoutMs: 20_000 },
  )

describe('the desk as an editor sees it', () => {
  it("shows an imported post's image in the editor, not a file icon", async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'editor-image', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/${postId}`)
      const image = page.locator(`.rich-text-lexical img[src^="${imageUrl}"]`)
      await image.first().waitFor({ state: 'visible', timeout: 90_000 })
      // Loaded, not a broken image.
      expect(await image.first().evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64)
      await screenshot(page, 'desk-editor-image')
    })
  })

  it('shows an imported image and its name in the media list', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'media-list', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/media`)
      // The file column: the picture and a name (its URL's last part), never "null".
      const row = page.locator('.table tbody tr', { hasText: '港口' })
      await row.waitFor({ state: 'visible', timeout: 30_000 })
      await row.locator(`img[src="${imageUrl}"]`).waitFor()
      expect(await row.locator('.file__filename').textContent()).toBe('harbour.png')
      expect(await page.locator('.table tbody').textContent()).not.toContain('null')
    })
  })

  it('offers the imported image, pictured, in the upload drawer and picks it as the hero image', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'upload-drawer', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/${postId}`)
      await page
        .locator('#field-heroImage button', { hasText: /choose from existing/i })
        .click({ timeout: 60_000 })
      const row = page.locator('.list-drawer .table tbody tr', { hasText: '港口' })
      await row.locator(`img[src="${imageUrl}"]`).waitFor({ timeout: 30_000 })
      await row.locator('.default-cell__first-cell').click()
      await page.locator(`#field-heroImage img[src^="${imageUrl}"]`).waitFor()
    })
  })

  it('cleans up a scraped page in the editor on one click, and the save keeps it', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'scraped-cleanup', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/${scrapedId}`)
      const offer = page.locator('[data-testid="scraped-cleanup"]')
      await seeText(page, '[data-testid="scraped-cleanup"]', '59 分钟前', 60_000)
      const editor = page.locator('.rich-text-lexical [contenteditable="true"]').first()
      await editor.locator('h1', { hasText: SCRAPED_TITLE }).waitFor()
      // Offered, not applied: the draft is unchanged until the click.
      const before = await env.payload.findByID({ collection: 'posts', id: scrapedId, draft: true })
      expect(JSON.stringify(before.content)).toContain('59 分钟前')
      await offer.locator('button').click()
      await offer.waitFor({ state: 'detached' })
      await editor.locator('p', { hasText: '码头工人' }).waitFor()
      expect(await editor.locator('h1').count()).toBe(0)
      expect(await editor.textContent()).not.toContain('分钟前')
      // Autosave stores the change the editor made.
      await pollUntil('the cleaned draft to be saved', async () => {
        const saved = await env.payload.findByID({
          collection: 'posts',
          id: scrapedId,
          draft: true,
        })
        const json = JSON.stringify(saved.content)
        return (
          !json.includes('59 分钟前') && !json.includes('"heading"') && json.includes('码头工人')
        )
      })
    })
  })

  it('finds posts by a Chinese word typed in the search box', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'search-chinese', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts`)
      await listShows(page, [
        SCRAPED_TITLE,
        '中国港口吞吐量创新高',
        '中国外交部回应',
        '美国大选结果',
        '欧洲央行加息',
      ])
      // Two characters: below trigram's minimum, answered by the LIKE scan.
      await page.locator('#search-filter-input').fill('中国')
      await listShows(page, ['中国港口吞吐量创新高', '中国外交部回应'])
      // Three characters or more: answered from the trigram index, the same posts as LIKE.
      await page.locator('#search-filter-input').fill('外交部')
      await listShows(page, ['中国外交部回应'])
      await page.locator('#search-filter-input').fill('港口吞吐量')
      await listShows(page, ['中国港口吞吐量创新高'])
    })
  })

  it("shows the example archive's imported story with its photo in the editor (the README's screenshot)", async () => {
    const report = await runImport({ payload: env.payload, dir: path.resolve('examples/archive') })
    expect(report.summary.created).toBeGreaterThan(0)
    const { docs } = await env.payload.find({
      collection: 'posts',
      where: { title: { equals: '城市图书馆夜间开放试点启动' } },
      draft: true,
      limit: 1,
    })
    const story = docs[0]!
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const photo = await standInPhoto()
    await context.route('https://news.example.org/images/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/jpeg', body: photo }),
    )
    const page = await context.newPage()
    await step(page, 'readme-screenshot', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/${story.id}`)
      const image = page.locator('.rich-text-lexical img[src*="library-hall.jpg"]').first()
      await image.waitFor({ state: 'visible', timeout: 90_000 })
      await pollUntil('the photo to load', async () =>
        image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 600),
      )
      await page.screenshot({ path: path.join('test-output/browser', 'readme-editor.png') })
      if (process.env.README_SCREENSHOTS === '1') {
        fs.mkdirSync('docs', { recursive: true })
        await page.screenshot({ path: path.join('docs', 'admin-editor.png') })
      }
    })
    await context.close()
  })
})
