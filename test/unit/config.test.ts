import fs from 'node:fs'
import path from 'node:path'

import {
  environmentTable,
  readSettings,
  settings,
  SettingsError,
  variables,
} from '../../src/config'

const readme = fs.readFileSync(path.resolve('README.md'), 'utf8')

describe('settings from the environment', () => {
  it('an empty environment gives every documented default', () => {
    const s = readSettings({})
    expect(s.port).toBe(3000)
    expect(s.host).toBe('127.0.0.1')
    expect(s.deliveryMaxLimit).toBe(100)
    expect(s.trustProxy).toBe(false)
    expect(s.rateLimitExemptLoopback).toBe(true)
    expect(s.newsroomDelivery).toBe(true)
    expect(s.requestBodyMaxBytes).toBe(1024 * 1024)
  })

  it('values are typed: numbers, flags and lists', () => {
    const s = readSettings({
      PORT: '8080',
      SERVE_ADMIN: 'false',
      TRUST_PROXY: '10.0.0.0/8, loopback',
      DELIVERY_MAX_AGE: '0.5',
      NEWSROOM_DELIVERY: 'off',
    })
    expect(s.port).toBe(8080)
    expect(s.serveAdmin).toBe(false)
    expect(s.trustProxy).toEqual(['10.0.0.0/8', 'loopback'])
    expect(s.deliveryMaxAge).toBe(0.5)
    expect(s.newsroomDelivery).toBe(false)
  })

  it('every bad value is named at once, each with its fix', () => {
    let error: unknown
    try {
      readSettings({
        PORT: 'eighty',
        TRUST_PROXY: 'true',
        SERVE_ADMIN: 'maybe',
        FEED_ITEMS: '0',
        S3_ENDPOINT: 'minio:9000',
        REDIS_URL: 'localhost:6379',
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SettingsError)
    const message = (error as Error).message
    for (const name of [
      'PORT="eighty"',
      'TRUST_PROXY="true"',
      'SERVE_ADMIN="maybe"',
      'FEED_ITEMS="0"',
      'S3_ENDPOINT="minio:9000"',
      'REDIS_URL="localhost:6379"',
    ])
      expect(message).toContain(name)
    expect(message).toContain('TRUST_PROXY=1')
    expect(message).toContain('set a redis:// or rediss:// URL')
    expect((error as SettingsError).problems).toHaveLength(6)
  })

  it('a process sees a changed variable on its next read', () => {
    const before = process.env.FEED_TITLE
    try {
      process.env.FEED_TITLE = 'First'
      expect(settings().feedTitle).toBe('First')
      process.env.FEED_TITLE = 'Second'
      expect(settings().feedTitle).toBe('Second')
    } finally {
      if (before === undefined) delete process.env.FEED_TITLE
      else process.env.FEED_TITLE = before
    }
  })
})

describe('the README documents exactly the variables the code reads', () => {
  it('its environment table is the one generated from src/config.ts (npm run docs:env)', () => {
    const section = /<!-- env:start -->\n([\s\S]*?)\n<!-- env:end -->/.exec(readme)
    expect(section?.[1]).toBe(environmentTable())
  })

  it('every variable has a name, a default and a meaning', () => {
    for (const spec of Object.values(variables)) {
      expect(spec.env).toMatch(/^[A-Z][A-Z0-9_]+$/)
      expect(spec.shown.length).toBeGreaterThan(0)
      expect(spec.doc.length).toBeGreaterThan(10)
    }
  })
})

describe('settings are checked at start', () => {
  it('the server refuses to start on a bad value, naming it and its fix', async () => {
    const before = process.env.PORT
    try {
      process.env.PORT = 'abc'
      const { startServer } = await import('../../src/server')
      await expect(startServer({ admin: false })).rejects.toThrow(/PORT="abc": set a whole number/)
    } finally {
      if (before === undefined) delete process.env.PORT
      else process.env.PORT = before
    }
  })

  it('npm run lint refuses a process.env read outside src/config.ts', async () => {
    const { ESLint } = await import('eslint')
    const eslint = new ESLint()
    const [stray] = await eslint.lintText('export const x = process.env.FOO\n', {
      filePath: path.resolve('src/lib/stray.ts'),
    })
    expect(stray?.messages.map((m) => m.ruleId)).toContain('no-restricted-properties')
    const [table] = await eslint.lintText('export const x = process.env.FOO\n', {
      filePath: path.resolve('src/config.ts'),
    })
    expect(table?.messages.map((m) => m.ruleId)).not.toContain('no-restricted-properties')
  })
})
