import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Page } from 'playwright-core'

import {
  createStaff,
  loginAs,
  pngImage,
  pollUntil,
  seeText,
  step,
  startBrowserTestEnv,
  type BrowserTestEnv,
} from './support'

/**
 * Issue 22 item 8: the admin under its Content-Security-Policy still works (sign in, the dashboard,
 * a post written with the rich-text editor and an image, saved), and the browser reports no
 * violation of the policy on the way.
 */
let env: BrowserTestEnv

beforeAll(async () => {
  env = await startBrowserTestEnv()
  await createStaff(env.payload, 'admin', 'Ada Admin')
  await createStaff(env.payload, 'writer', 'Wu Writer')
  const image = await pngImage()
  await env.payload.create({
    collection: 'media',
    data: { alt: 'a red square' },
    file: { data: image, mimetype: 'image/png', name: 'red.png', size: image.length },
  })
})

afterAll(async () => {
  await env?.close()
})

describe('the admin under its Content-Security-Policy', () => {
  it('sends the policy and X-Frame-Options, and a writer writes and saves a post with no violation', async () => {
    const context = await env.browser.newContext()
    // Every violation the browser sees, reported by the page itself (console messages may be cut).
    await context.addInitScript(() => {
      const seen: string[] = []
      ;(window as unknown as { __cspViolations: string[] }).__cspViolations = seen
      document.addEventListener('securitypolicyviolation', (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI}`),
      )
    })
    const consoleViolations: string[] = []
    const violationsOf = async (page: Page) =>
      page.evaluate(
        () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
      )
    const page = await context.newPage()
    // The first render of an admin page compiles nothing but still takes long on a busy machine.
    page.setDefaultNavigationTimeout(120_000)
    page.setDefaultTimeout(60_000)
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) consoleViolations.push(message.text())
    })

    await step(page, 'csp', async () => {
      const login = await page.goto(`${env.server.url}/admin/login`)
      const headers = login!.headers()
      expect(headers['content-security-policy']).toMatch(/script-src 'self'/)
      expect(headers['content-security-policy']).toMatch(/frame-ancestors 'self'/)
      expect(headers['x-frame-options']).toBe('SAMEORIGIN')
      expect(headers['x-powered-by']).toBeUndefined()

      await loginAs(page, env.server.url, 'writer@newsroom.test')
      await page.goto(`${env.server.url}/admin/collections/posts/create`)
      await page.waitForURL(/\/admin\/collections\/posts\/\d+/, { timeout: 30_000 })
      const postId = page.url().match(/posts\/(\d+)/)![1]
      await page.locator('#field-title').fill('Under a CSP')
      const editor = page.locator('.rich-text-lexical [contenteditable="true"]').first()
      await editor.click()
      await page.keyboard.type('The editor types under the policy.')
      await page.keyboard.press('Enter')
      await page.keyboard.type('/upload')
      await page.locator('#slash-menu-item-upload, .slash-menu-popup__item-upload').first().click()
      await page.getByText('red.png', { exact: true }).last().click()
      await editor.locator('.lexical-upload, [data-lexical-decorator="true"]').first().waitFor()
      // Autosave stores it; the stored post shows the admin's scripts ran under the policy.
      await pollUntil(
        'the autosave to store the post',
        async () => {
          const stored = await env.payload.findByID({
            collection: 'posts',
            id: postId,
            draft: true,
            depth: 0,
          })
          return (
            stored.title === 'Under a CSP' &&
            Boolean(stored.contentHtml?.includes('/api/media/file/red'))
          )
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      )
      // The list of the page being left, before the next page starts a new one.
      const seen = await violationsOf(page)
      await page.goto(`${env.server.url}/admin`)
      await seeText(page, 'body', /Posts/)
      expect([...seen, ...(await violationsOf(page)), ...consoleViolations]).toEqual([])
    })
    expect(env.foreignRequests).toEqual([])
    await context.close()
  })
})
