import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Page } from 'playwright-core'

import {
  createStaff,
  loginAs,
  pngImage,
  pollUntil,
  screenshot,
  startBrowserTestEnv,
  step,
  type BrowserTestEnv,
} from './support'

/**
 * The desk at archive scale, as an editor sees it: the images of an imported post (media with an
 * external URL and no file) in the editor and the media list, and the posts search box with Chinese.
 */
let env: BrowserTestEnv
let postId: number
let imageUrl: string

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
      const cell = page.locator('[data-testid="media-preview"]', { hasText: 'harbour' })
      await cell.first().waitFor({ state: 'visible', timeout: 30_000 })
      await page.locator(`[data-testid="media-preview"] img[src="${imageUrl}"]`).first().waitFor()
    })
  })

  it('finds posts by a Chinese word typed in the search box', async () => {
    const page = await (await env.browser.newContext()).newPage()
    await step(page, 'search-chinese', async () => {
      await loginAs(page, env.server.url, 'editor@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts`)
      await listShows(page, [
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
})
