import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { TransformPool } from '../../src/importer/pool'
import { listArchiveFiles } from '../../src/importer/read'
import { SpillReader, type FileOutcome } from '../../src/importer/stage'

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)

let spillDir: string
beforeAll(() => {
  spillDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-test-'))
})
afterAll(() => {
  fs.rmSync(spillDir, { recursive: true, force: true })
})
const options = (name: string, known: string[] = []) => ({
  known: new Set(known),
  spillBase: path.join(spillDir, name),
})

/** An outcome with its spilled transform result read back, and without timings. */
const settled = (reader: SpillReader, o: FileOutcome) =>
  o.ok
    ? { scan: o.scan, result: o.result ? reader.read(o.result) : undefined }
    : { reason: o.reason }

describe('the transform pool', () => {
  it('gives the same drafts in a worker thread as in this one', async () => {
    const files = listArchiveFiles(EXAMPLES)
    expect(files.length).toBeGreaterThan(5)
    const inline = await TransformPool.create(0, options('inline'))
    const workers = await TransformPool.create(1, options('workers'))
    const reader = new SpillReader()
    try {
      const a = await Promise.all(files.map((f) => inline.run(EXAMPLES, f)))
      expect(workers.threads).toBe(1)
      const b = await Promise.all(files.map((f) => workers.run(EXAMPLES, f)))
      const drafts = a.map((o) => settled(reader, o))
      expect(b.map((o) => settled(reader, o))).toEqual(drafts)
      expect(drafts.every((d) => 'result' in d && d.result)).toBe(true)
    } finally {
      reader.close()
      await workers.close()
      await inline.close()
    }
  })

  it('reads a file the database holds already but does not transform it', async () => {
    const [file] = listArchiveFiles(EXAMPLES)
    const probe = await TransformPool.create(0, options('probe'))
    const first = await probe.run(EXAMPLES, file)
    await probe.close()
    if (!first.ok) throw new Error(first.reason)
    const pool = await TransformPool.create(1, options('known', [first.scan.hash]))
    try {
      const again = await pool.run(EXAMPLES, file)
      expect(again).toMatchObject({ ok: true, scan: first.scan })
      expect(again.ok && again.result).toBeUndefined()
    } finally {
      await pool.close()
    }
  })

  it('reports an unreadable file as a failed outcome, not a crash', async () => {
    const pool = await TransformPool.create(1, options('unreadable'))
    try {
      await expect(pool.run(EXAMPLES, 'no such file.md')).resolves.toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^unreadable: .*ENOENT/),
      })
      expect(fs.existsSync(EXAMPLES)).toBe(true)
    } finally {
      await pool.close()
    }
  })
})
