import { afterEach, describe, expect, it } from '@jest/globals'

import { listenWhileStarting, type StartingServer } from '../../src/http/startingUp'

/** `npm start` listens before its slow start-up work (src/http/startingUp.ts). */
let starting: StartingServer | undefined
afterEach(async () => {
  await starting?.close()
  starting = undefined
})

describe('the server while it starts', () => {
  it('answers /readyz, /healthz and every other path 503 with what start-up is doing', async () => {
    starting = await listenWhileStarting({ host: '127.0.0.1', port: 0 })
    starting.setStage('building the admin')
    for (const path of ['/readyz', '/healthz', '/api/posts', '/admin']) {
      const res = await fetch(`${starting.url}${path}`)
      expect({ path, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({
        path,
        status: 503,
        retryAfter: '5',
      })
      expect(await res.json()).toEqual({
        ok: false,
        ready: false,
        reason: 'start-up: building the admin',
      })
    }
  })

  it('hands its socket to the app, which then answers on the same port', async () => {
    starting = await listenWhileStarting({ host: '127.0.0.1', port: 0 })
    starting.handOver((_req, res) => {
      res.statusCode = 200
      res.end('the app')
    })
    const res = await fetch(`${starting.url}/readyz`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('the app')
  })
})
