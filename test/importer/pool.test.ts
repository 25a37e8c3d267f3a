import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from '@jest/globals'

import { TransformPool } from '../../src/importer/pool'
import { listArchiveFiles } from '../../src/importer/read'

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)

describe('the transform pool', () => {
  it('gives the same drafts in a worker thread as in this one', async () => {
    const files = listArchiveFiles(EXAMPLES)
    expect(files.length).toBeGreaterThan(5)
    const inline = await TransformPool.create(0)
    const workers = await TransformPool.create(1)
    try {
      const a = await Promise.all(files.map((f) => inline.run(EXAMPLES, f)))
      expect(workers.threads).toBe(1)
      const b = await Promise.all(files.map((f) => workers.run(EXAMPLES, f)))
      expect(b).toEqual(a)
    } finally {
      await workers.close()
      await inline.close()
    }
  })

  it('reports an unreadable file as a rejected job, not a crash', async () => {
    const pool = await TransformPool.create(1)
    try {
      await expect(pool.run(EXAMPLES, 'no such file.md')).rejects.toThrow(/ENOENT/)
      expect(fs.existsSync(EXAMPLES)).toBe(true)
    } finally {
      await pool.close()
    }
  })
})
