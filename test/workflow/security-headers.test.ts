import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { hstsMaxAgeFromEnv } from '../../src/http/securityHeaders'
import type { RunningServer } from '../../src/server'
import { pngImage } from '../browser/support'
import { createUser } from '../helpers/payload'
import { login, startTestServer } from '../helpers/server'
import { PASSWORD } from './helpers'

/**
 * Issue 22 item 8, over HTTP (the admin's CSP is tried in the browser: test/browser/csp.test.ts):
 * nosniff and no framing on every response, a sandbox on uploaded files, HSTS when asked for, a
 * `Secure` session cookie behind https, and nothing that names the software to anonymous callers.
 */
let server: RunningServer
let adminAuth: string
let email: string

beforeAll(async () => {
  process.env.SERVER_URL = 'https://news.example.test'
  process.env.HSTS_MAX_AGE = '31536000'
  server = await startTestServer({ jobs: false })
  const admin = await createUser(server.payload, 'admin')
  email = admin.email
  adminAuth = await login(server.url, admin.email, PASSWORD)
})
afterAll(async () => {
  await server?.close()
  delete process.env.SERVER_URL
  delete process.env.HSTS_MAX_AGE
})

describe('security headers', () => {
  it('every response says nosniff, SAMEORIGIN framing and HSTS, and never X-Powered-By', async () => {
    for (const path of [
      '/api/posts',
      '/healthz',
      '/api/graphql?query=%7B__typename%7D',
      '/nowhere',
    ]) {
      const res = await fetch(`${server.url}${path}`)
      expect({ path, nosniff: res.headers.get('x-content-type-options') }).toEqual({
        path,
        nosniff: 'nosniff',
      })
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
      expect(res.headers.get('strict-transport-security')).toBe(
        'max-age=31536000; includeSubDomains',
      )
      expect(res.headers.get('x-powered-by')).toBeNull()
    }
  })

  it('an uploaded file is served with nosniff and a sandboxing policy', async () => {
    const image = await pngImage()
    const media = await server.payload.create({
      collection: 'media',
      data: { alt: 'square' },
      file: { data: image, mimetype: 'image/png', name: 'square.png', size: image.length },
    })
    const res = await fetch(`${server.url}/api/media/file/${media.filename}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/)
  })

  it('HSTS_MAX_AGE is checked: a typo fails at start instead of sending nothing', () => {
    expect(hstsMaxAgeFromEnv('')).toBe(0)
    expect(hstsMaxAgeFromEnv('600')).toBe(600)
    expect(() => hstsMaxAgeFromEnv('one year')).toThrow(/HSTS_MAX_AGE="one year"/)
  })

  it('the session cookie is Secure when SERVER_URL is https', async () => {
    const res = await fetch(`${server.url}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
    expect(res.status).toBe(200)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('payload-token='))
    expect(cookie).toMatch(/;\s*Secure/i)
  })

  it('/healthz names no versions to anonymous callers, and does to staff', async () => {
    const anonymous = (await (await fetch(`${server.url}/healthz`)).json()) as Record<
      string,
      unknown
    >
    expect(anonymous.ok).toBe(true)
    expect(anonymous).not.toHaveProperty('payload')
    expect(anonymous).not.toHaveProperty('version')
    const staff = (await (
      await fetch(`${server.url}/healthz`, { headers: { authorization: adminAuth } })
    ).json()) as Record<string, unknown>
    expect(staff).toMatchObject({ ok: true, payload: '3.90.2' })
  })
})
