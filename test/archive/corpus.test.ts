import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

import { canonicalContent, parseArchiveFile, writeArchiveFile } from '../../src/archive'
import { listArchiveFiles } from '../../src/importer/read'

/**
 * Every file of the 3,000-post sample, read and written back, reads as the same document: what
 * `npm run export` writes for an unedited post is the file it was imported from, as the importer
 * hashes it.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CORPUS_DIR = path.resolve(process.env.CORPUS_DIR ?? path.join(root, '../shared/corpus'))
const SAMPLE = path.join(CORPUS_DIR, 'sample-3000.tar.xz')
if (!fs.existsSync(SAMPLE)) {
  // Said plainly, not silently skipped: the corpus is kept outside the repository.
  console.log(`archive corpus test: ${SAMPLE} not found (set CORPUS_DIR); not run.`)
}
const describeWithCorpus = fs.existsSync(SAMPLE) ? describe : describe.skip

describeWithCorpus('the archive format on the 3,000-post corpus sample', () => {
  let tmp: string
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-corpus-'))
    execFileSync('tar', ['-xJf', SAMPLE, '-C', tmp])
  })
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  it('every file written back reads as the same document', () => {
    const dir = path.join(tmp, 'all')
    const files = listArchiveFiles(dir)
    expect(files.length).toBe(3000)
    const differ: string[] = []
    for (const file of files) {
      const doc = parseArchiveFile(fs.readFileSync(path.join(dir, file), 'utf8'), file)
      const again = parseArchiveFile(writeArchiveFile(doc), file)
      if (canonicalContent(again) !== canonicalContent(doc)) differ.push(file)
    }
    expect(differ).toEqual([])
  })
})
