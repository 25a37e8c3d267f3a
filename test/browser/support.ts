import '../../src/preload'

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Payload } from 'payload'
import sharp from 'sharp'

import type { RunningServer } from '../../src/server'

export const OUTPUT_DIR = path.resolve('test-output/browser')
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const PASSWORD = 'correct horse battery staple'

export type BrowserTestEnv = {
  server: RunningServer
  payload: Payload
  browser: Browser
  /** Every request the browser made to a host other than this server. Must stay empty. */
  foreignRequests: string[]
  tmpDir: string
  close: () => Promise<void>
}

/**
 * Starts the real server (Express + REST + the built Next admin) on 127.0.0.1 and a free port, on a
 * fresh database in a temp folder, with the jobs cron ticking every second, and launches Chromium.
 * `env` is applied before the config is loaded (e.g. ARCHIVE_DIR).
 */
export const startBrowserTestEnv = async (
  env: Record<string, string> = {},
): Promise<BrowserTestEnv> => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}. Install Debian's (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH.`,
    )
  }
  fs.mkdirSync(OUTPUT_DIR, { recursive: true })
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-browser-'))
  Object.assign(process.env, {
    DATABASE_URI: ':memory:',
    MEDIA_DIR: path.join(tmpDir, 'media'),
    PAYLOAD_SECRET: process.env.PAYLOAD_SECRET || 'browser-test-secret',
    JOBS_CRON: '* * * * * *',
    ...env,
  })
  const { startServer } = await import('../../src/server')
  const server = await startServer({ host: '127.0.0.1', port: 0, admin: true })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
  const foreignRequests: string[] = []
  const own = new URL(server.url).host
  const watch = (context: BrowserContext) =>
    context.on('request', (request) => {
      const url = new URL(request.url())
      if (/^(https?|wss?):$/.test(url.protocol) && url.host !== own)
        foreignRequests.push(request.url())
    })
  const originalNewContext = browser.newContext.bind(browser)
  browser.newContext = async (options) => {
    const context = await originalNewContext({
      locale: 'en-GB',
      viewport: { width: 1400, height: 1000 },
      ...options,
    })
    watch(context)
    return context
  }
  return {
    server,
    payload: server.payload,
    browser,
    foreignRequests,
    tmpDir,
    close: async () => {
      await browser.close()
      await server.close()
      fs.rmSync(tmpDir, { recursive: true, force: true })
    },
  }
}

export const createStaff = (payload: Payload, role: 'admin' | 'editor' | 'writer', name: string) =>
  payload.create({
    collection: 'users',
    data: { email: `${role}@newsroom.test`, password: PASSWORD, roles: [role], name },
    overrideAccess: true,
  })

/** A small PNG made on the spot (no fixture files, no network). */
export const pngImage = async (color = '#c0392b') =>
  sharp({ create: { width: 64, height: 40, channels: 3, background: color } })
    .png()
    .toBuffer()

export const loginAs = async (page: Page, baseUrl: string, email: string) => {
  await page.goto(`${baseUrl}/admin/login`)
  await page.locator('#field-email').fill(email)
  await page.locator('#field-password').fill(PASSWORD)
  await page.locator('button[type="submit"]').click()
  await page.waitForURL((url) => !url.pathname.includes('/login'), { timeout: 30_000 })
}

export const screenshot = async (page: Page, name: string) => {
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage: true })
}

/**
 * Calls `check` until it returns a value that is not undefined/false, at most `timeoutMs`; between
 * tries `between` runs (e.g. a reload). Bounded: throws with `what` when time is up.
 */
export const pollUntil = async <T>(
  what: string,
  check: () => Promise<false | T | undefined>,
  {
    timeoutMs = 30_000,
    intervalMs = 1000,
    between,
  }: { timeoutMs?: number; intervalMs?: number; between?: () => Promise<unknown> } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value as T
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
    await between?.()
  }
}

/** Waits (bounded) until `selector` with `text` is in the page; for assertions on what users see. */
export const seeText = async (
  page: Page,
  selector: string,
  text: string | RegExp,
  timeout = 15_000,
) => {
  await page.locator(selector, { hasText: text }).first().waitFor({ state: 'visible', timeout })
}

/** Runs a test step; on failure saves a screenshot named after it before rethrowing. */
export const step = async <T>(page: Page, name: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work()
  } catch (err) {
    await screenshot(page, `FAILED-${name}`).catch(() => undefined)
    throw err
  }
}
