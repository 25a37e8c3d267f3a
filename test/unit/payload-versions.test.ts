import fs from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from '@jest/globals'

/**
 * Payload's own start-up check (every installed @payloadcms/* package at payload's exact version) is
 * off because the S3 storage plugin has no release at our version (src/config.ts,
 * `acceptStoragePluginVersion`). This is that check, with the two packages that have none named.
 */
const root = path.resolve(import.meta.dirname, '../..')
const versionOf = (name: string): string =>
  (
    JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version

/** Newest published 3.90.x of these: 3.90.1. Move them to payload's version once it exists. */
const BEHIND = new Map([
  ['@payloadcms/storage-s3', '3.90.1'],
  ['@payloadcms/plugin-cloud-storage', '3.90.1'],
])

describe('Payload packages', () => {
  it("are all at payload's version, but for the storage plugin that has no release at it", () => {
    const payload = versionOf('payload')
    const installed = fs
      .readdirSync(path.join(root, 'node_modules/@payloadcms'))
      .map((name) => `@payloadcms/${name}`)
    const wrong = installed
      .map((name) => ({ name, version: versionOf(name) }))
      .filter(({ name, version }) => version !== (BEHIND.get(name) ?? payload))
    expect(wrong).toEqual([])
    for (const name of BEHIND.keys()) expect(installed).toContain(name)
  })
})
