import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { ArchiveDirError, resolveArchiveDir } from '../../src/importer/task'
import { bootPayload } from '../helpers/payload'

/**
 * The server imports only ARCHIVE_DIR and the folders under it (issue 11, item 11): a queued
 * `importArchive` job naming any other folder, by path, `..` or a symbolic link, fails with the
 * reason and reads nothing.
 */
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/archive')

let payload: Payload
let scratch: string
let archive: string
let outside: string

beforeAll(async () => {
  payload = await bootPayload()
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-dir-'))
  archive = path.join(scratch, 'archive')
  outside = path.join(scratch, 'outside')
  fs.cpSync(EXAMPLES, archive, { recursive: true })
  fs.mkdirSync(outside)
  fs.writeFileSync(
    path.join(outside, '2025-01-01-secret.md'),
    '---\ntitle: server file\n---\nTOP-SECRET-CONTENT\n',
  )
  fs.symlinkSync(outside, path.join(archive, 'escape'))
  // A file inside the archive that is a link to a file outside it.
  fs.symlinkSync(
    path.join(outside, '2025-01-01-secret.md'),
    path.join(archive, '_posts', '2025-01-02-linked.md'),
  )
})
afterAll(async () => {
  delete process.env.ARCHIVE_DIR
  fs.rmSync(scratch, { recursive: true, force: true })
  await payload.destroy()
})

describe('resolveArchiveDir', () => {
  it('is ARCHIVE_DIR, or a folder inside it (relative or absolute)', () => {
    const real = fs.realpathSync(archive)
    expect(resolveArchiveDir(undefined, archive)).toBe(real)
    expect(resolveArchiveDir('_posts', archive)).toBe(path.join(real, '_posts'))
    expect(resolveArchiveDir(path.join(archive, '_posts'), archive)).toBe(path.join(real, '_posts'))
  })

  it.each([
    ['an absolute path elsewhere', () => outside],
    ['a way out with ..', () => '../outside'],
    ['a symbolic link inside that leads out', () => 'escape'],
    ['the root of the machine', () => '/'],
  ])('refuses %s', (_case, requested) => {
    expect(() => resolveArchiveDir(requested(), archive)).toThrow(/outside ARCHIVE_DIR/)
  })

  it('says what to set when there is no ARCHIVE_DIR, or it is not a folder', () => {
    expect(() => resolveArchiveDir(undefined, undefined)).toThrow(/set ARCHIVE_DIR/)
    expect(() => resolveArchiveDir(undefined, path.join(scratch, 'missing'))).toThrow(
      ArchiveDirError,
    )
    expect(() => resolveArchiveDir('no-such-folder', archive)).toThrow(/not a folder inside/)
  })
})

describe('the importArchive job', () => {
  const runImportJob = async (input: Record<string, unknown>) => {
    const job = await payload.jobs.queue({
      task: 'importArchive',
      input,
    } as Parameters<typeof payload.jobs.queue>[0])
    await payload.jobs.runByID({ id: job.id })
    return payload.find({ collection: 'payload-jobs', where: { id: { equals: job.id } }, depth: 0 })
  }

  it('fails, reading nothing, when its folder is outside ARCHIVE_DIR', async () => {
    process.env.ARCHIVE_DIR = archive
    for (const dir of [outside, '../outside', 'escape']) {
      const { docs } = await runImportJob({ dir, dryRun: true })
      expect(docs[0]?.hasError).toBe(true)
      expect(JSON.stringify(docs[0]?.error)).toMatch(/outside ARCHIVE_DIR/)
    }
    expect((await payload.count({ collection: 'import-runs' })).totalDocs).toBe(0)
  })

  it('imports a folder inside ARCHIVE_DIR (dry run)', async () => {
    process.env.ARCHIVE_DIR = archive
    const { docs } = await runImportJob({ dir: '_posts', dryRun: true })
    // A job that completes is removed from the queue.
    expect(docs).toHaveLength(0)
    const runs = await payload.find({ collection: 'import-runs', depth: 0 })
    expect(runs.docs).toHaveLength(1)
    expect(runs.docs[0]).toMatchObject({
      status: 'completed',
      archiveDir: path.join(fs.realpathSync(archive), '_posts'),
    })
    // A file that links out of the archive is not read; its row says why.
    const rows = runs.docs[0]!.report as { file: string; status: string; reason?: string }[]
    expect(rows.find((row) => row.file === '2025-01-02-linked.md')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/outside the archive folder: not followed/),
    })
    expect(JSON.stringify(runs.docs[0])).not.toContain('TOP-SECRET-CONTENT')
  })
})
