import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { runImport, type ImportReport } from '../../src/importer'
import { DEFAULT_MAX_FILE_BYTES } from '../../src/importer/read'
import { bootPayload } from '../helpers/payload'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/importer')

/**
 * An archive as an attacker or a careless export leaves it: a file over the size limit, symbolic links
 * out of the folder, into it and to a folder, bytes that are not UTF-8. Each gets one clear row; the
 * import never crashes and never reads what it must not.
 */
describe('hostile and odd archive files', () => {
  let payload: Payload
  let dir: string
  let outside: string
  const reports: Record<string, ImportReport> = {}
  const row = (report: ImportReport, file: string) => {
    const found = report.rows.find((r) => r.file === file)
    if (!found) throw new Error(`no row for ${file}`)
    return found
  }

  beforeAll(async () => {
    payload = await bootPayload()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'importer-hostile-'))
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'importer-outside-'))
    fs.copyFileSync(path.join(FIXTURES, 'stamp-nan.md'), path.join(dir, 'ok.md'))
    fs.copyFileSync(path.join(FIXTURES, 'invalid-utf8.md'), path.join(dir, 'invalid-utf8.md'))
    // Generated, not committed: one byte over the default limit, a valid post in the archive's format.
    const header = fs.readFileSync(path.join(FIXTURES, 'date-only.md'), 'utf8')
    const big = Buffer.alloc(DEFAULT_MAX_FILE_BYTES + 1, 'x')
    big.write(header)
    fs.writeFileSync(path.join(dir, 'huge.md'), big)
    // A post outside the archive that a link tries to smuggle in.
    const secret = fs
      .readFileSync(path.join(FIXTURES, 'date-offset.md'), 'utf8')
      .replace(/^from: .*$/m, 'from: https://secret.example.net/private.html')
    fs.writeFileSync(path.join(outside, 'secret.md'), secret)
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(dir, 'escape.md'))
    fs.symlinkSync(
      path.join('..', path.basename(outside), 'secret.md'),
      path.join(dir, 'relative-escape.md'),
    )
    fs.symlinkSync(outside, path.join(dir, 'folder-link'))
    fs.symlinkSync('ok.md', path.join(dir, 'inside-link.md'))
    fs.mkdirSync(path.join(dir, 'empty'))
    fs.symlinkSync('empty', path.join(dir, 'inside-folder-link'))
    fs.symlinkSync('missing.md', path.join(dir, 'dangling.md'))
    // Before the real run, on the empty database: a dry run with transform workers plans the same
    // writes, so its rows are comparable with the inline run's, row for row.
    reports.workers = await runImport({ payload, dir, concurrency: 2, dryRun: true })
    reports.inline = await runImport({ payload, dir })
  }, 120_000)

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(outside, { recursive: true, force: true })
    await payload?.destroy()
  })

  it('gives every file exactly one row', () => {
    expect(reports.inline.rows.map((r) => r.file).sort()).toEqual(
      [
        'dangling.md',
        'escape.md',
        'folder-link',
        'huge.md',
        'inside-folder-link',
        'inside-link.md',
        'invalid-utf8.md',
        'ok.md',
        'relative-escape.md',
      ].sort(),
    )
  })

  it('fails a file over IMPORT_MAX_FILE_BYTES with its size in the reason', () => {
    expect(row(reports.inline, 'huge.md')).toMatchObject({
      status: 'failed',
      reason: `file is 5.0 MB (${DEFAULT_MAX_FILE_BYTES + 1} bytes), over the 5.0 MB limit (IMPORT_MAX_FILE_BYTES): not imported`,
    })
  })

  it('skips a symbolic link out of the archive without reading what it points to', async () => {
    for (const file of ['escape.md', 'relative-escape.md']) {
      const r = row(reports.inline, file)
      expect(r.status).toBe('skipped')
      expect(r.reason).toMatch(
        /^symbolic link to ".*secret\.md", outside the archive folder: not followed$/,
      )
    }
    const smuggled = await payload.count({
      collection: 'posts',
      where: { sourceUrl: { like: 'secret.example.net' } },
      overrideAccess: true,
    })
    expect(smuggled.totalDocs).toBe(0)
  })

  it('skips links to folders and to nothing, and reads a link to a file inside the archive', () => {
    expect(row(reports.inline, 'folder-link')).toMatchObject({ status: 'skipped' })
    expect(row(reports.inline, 'folder-link').reason).toMatch(/outside the archive folder/)
    expect(row(reports.inline, 'inside-folder-link')).toMatchObject({
      status: 'skipped',
      reason: 'symbolic link to "empty", not a file: not followed',
    })
    expect(row(reports.inline, 'dangling.md')).toMatchObject({
      status: 'skipped',
      reason: 'symbolic link to "missing.md", which does not exist: not read',
    })
    // The link reads ok.md, so it is the same post: one of the two is the duplicate.
    const pair = [row(reports.inline, 'ok.md'), row(reports.inline, 'inside-link.md')]
    expect(pair.map((r) => r.status).sort()).toEqual(['created', 'duplicate'])
  })

  it('imports invalid UTF-8 as decoded, with a warning naming the byte offset on the row and the post', async () => {
    const r = row(reports.inline, 'invalid-utf8.md')
    expect(r.status).toBe('created')
    const warning = 'invalid UTF-8 at byte 335: undecodable bytes were replaced with U+FFFD (�)'
    expect(r.warnings).toContain(warning)
    const post = await payload.findByID({ collection: 'posts', id: r.id!, overrideAccess: true })
    expect(post.contentHtml).toContain('前半段正常\ufffd\ufffd后半段也正常')
    expect(post.review?.warnings).toContain(warning)
  })

  it('gives the same rows when transforms run in a worker thread', () => {
    const shape = (r: ImportReport) =>
      r.rows
        .map(({ file, status, reason, warnings }) => ({ file, status, reason, warnings }))
        .sort((a, b) => (a.file < b.file ? -1 : 1))
    expect(shape(reports.workers)).toEqual(shape(reports.inline))
    expect(row(reports.workers, 'invalid-utf8.md').warnings).toContain(
      'invalid UTF-8 at byte 335: undecodable bytes were replaced with U+FFFD (�)',
    )
  })

  it('honours IMPORT_MAX_FILE_BYTES, and refuses a value that is not a number before reading anything', async () => {
    const before = process.env.IMPORT_MAX_FILE_BYTES
    try {
      process.env.IMPORT_MAX_FILE_BYTES = '300'
      const small = await runImport({ payload, dir, dryRun: true })
      expect(row(small, 'ok.md').reason).toMatch(
        /^file is 0\.3 KB \(305 bytes\), over the 0\.3 KB limit/,
      )
      process.env.IMPORT_MAX_FILE_BYTES = '5MB'
      await expect(runImport({ payload, dir, dryRun: true })).rejects.toThrow(
        'IMPORT_MAX_FILE_BYTES="5MB": set a whole number of bytes >= 1',
      )
    } finally {
      if (before === undefined) delete process.env.IMPORT_MAX_FILE_BYTES
      else process.env.IMPORT_MAX_FILE_BYTES = before
    }
  })
})
