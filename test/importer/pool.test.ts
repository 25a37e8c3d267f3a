import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { TransformPool } from '../../src/importer/pool'
import { listArchiveFiles } from '../../src/importer/read'
import { readSpilled, type FileOutcome } from '../../src/importer/stage'

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

/** A scan's outcome with its spilled parsed file read back and transformed, without timings. */
const settled = async (pool: TransformPool, o: FileOutcome) =>
  o.ok
    ? {
        scan: o.scan,
        parsed: o.parsed ? readSpilled(o.parsed) : undefined,
        result: o.parsed ? (await pool.transform(o.parsed, o.scan.hash)).result : undefined,
      }
    : { reason: o.reason }

describe('the transform pool', () => {
  it('gives the same parsed files and drafts in worker threads as in this one', async () => {
    const files = listArchiveFiles(EXAMPLES)
    expect(files.length).toBeGreaterThan(5)
    const inline = await TransformPool.create(0, options('inline'))
    const workers = await TransformPool.create(2, options('workers'))
    try {
      const a = await Promise.all(files.map((f) => inline.scan(EXAMPLES, f)))
      expect(workers.threads).toBe(2)
      const b = await Promise.all(files.map((f) => workers.scan(EXAMPLES, f)))
      const drafts = await Promise.all(a.map((o) => settled(inline, o)))
      // Transformed by either worker, whichever thread spilled the parsed file.
      expect(await Promise.all(b.map((o) => settled(workers, o)))).toEqual(drafts)
      expect(drafts.every((d) => 'result' in d && d.result?.ok)).toBe(true)
    } finally {
      await workers.close()
      await inline.close()
    }
  })

  it('reads a file the database holds already but does not keep its parsed form', async () => {
    const [file] = listArchiveFiles(EXAMPLES)
    const probe = await TransformPool.create(0, options('probe'))
    const first = await probe.scan(EXAMPLES, file)
    await probe.close()
    if (!first.ok) throw new Error(first.reason)
    const pool = await TransformPool.create(1, options('known', [first.scan.hash]))
    try {
      const again = await pool.scan(EXAMPLES, file)
      expect(again).toMatchObject({ ok: true, scan: first.scan })
      expect(again.ok && again.parsed).toBeUndefined()
    } finally {
      await pool.close()
    }
  })

  it('reports an unreadable file as a failed outcome, not a crash', async () => {
    const pool = await TransformPool.create(1, options('unreadable'))
    try {
      await expect(pool.scan(EXAMPLES, 'no such file.md')).resolves.toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^unreadable: .*ENOENT/),
      })
      expect(fs.existsSync(EXAMPLES)).toBe(true)
    } finally {
      await pool.close()
    }
  })
})
