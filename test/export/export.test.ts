import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Payload } from 'payload'

import { parseArchiveFile } from '../../src/archive'
import { runExport, type ExportReport } from '../../src/export'
import { runImport, type ImportReport } from '../../src/importer'
import { readerText } from '../../src/richtext/text'
import { bootPayload } from '../helpers/payload'

/**
 * `npm run export` (src/export) against the importer: posts go out as archive files and come back
 * as the same posts; an unedited post's file is the one it was made from, an edited post's carries
 * the edit.
 */

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)
const MARKETS = '_posts/2025-03-13-Markets close higher.md'
const LIBRARY = '_posts/2025-03-04-城市图书馆夜间开放试点启动.md'

let payload: Payload
const dirs: string[] = []
const tmp = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  dirs.push(dir)
  return dir
}
/** A fresh folder path for an export (the export creates it). */
const outDir = () => path.join(tmp('export-'), 'out')

beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  await payload.destroy()
})
afterEach(() => {
  jest.useRealTimers()
})

/** Moves Payload's clock (Date only) forward, as time passing between an import and an edit. */
const later = (ms: number) => {
  jest.useFakeTimers({
    now: Date.now() + ms,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  })
}

const statuses = (report: ImportReport) =>
  Object.fromEntries(report.rows.map((r) => [r.file, r.status]))

/** Every post as a reader and an editor know it, by its original URL. */
const snapshot = async () => {
  const { docs } = await payload.find({
    collection: 'posts',
    draft: true,
    depth: 1,
    pagination: false,
    overrideAccess: true,
  })
  const name = (r: unknown) => (r && typeof r === 'object' && 'name' in r ? String(r.name) : '')
  return Object.fromEntries(
    docs.map((p) => [
      p.sourceUrl,
      {
        title: p.title,
        publishedAt: p.publishedAt,
        source: name(p.source),
        authors: (p.authors ?? []).map(name).sort(),
        categories: (p.categories ?? []).map(name).sort(),
        tags: p.tags,
        status: p._status,
        text: readerText(p.contentHtml ?? ''),
      },
    ]),
  )
}

const rowFor = (report: ExportReport, id: number | string) => {
  const row = report.rows.find((r) => r.post === id)
  if (!row) throw new Error(`no export row for post ${id}`)
  return row
}

describe('npm run export', () => {
  let imported: ImportReport
  let firstExport: string
  beforeAll(async () => {
    imported = await runImport({ payload, dir: EXAMPLES })
    expect(imported.summary.failed).toBe(0)
  })

  it('writes every imported post as the archive file it was made from, and a re-import into the same database finds every file unchanged', async () => {
    firstExport = outDir()
    const report = await runExport({ payload, dir: firstExport })
    const posts = imported.rows.filter((r) => r.status === 'created')
    expect(report.summary).toMatchObject({
      posts: posts.length,
      written: posts.length,
      fromSource: posts.length,
      skipped: 0,
      failed: 0,
    })
    // Named as the archive names them: the file each post was imported from.
    expect(report.rows.map((r) => r.file).sort()).toEqual(posts.map((r) => r.file).sort())

    const again = await runImport({ payload, dir: firstExport })
    expect(again.summary.files).toBe(posts.length)
    expect(Object.values(statuses(again))).toEqual(posts.map(() => 'unchanged'))
  })

  it('an export imported into a database emptied of posts, authors, sources, categories and media gives the same posts', async () => {
    const before = await snapshot()
    for (const collection of ['posts', 'media', 'authors', 'sources', 'categories'] as const) {
      await payload.delete({ collection, where: { id: { exists: true } }, overrideAccess: true })
      expect((await payload.count({ collection, overrideAccess: true })).totalDocs).toBe(0)
    }
    const report = await runImport({ payload, dir: firstExport })
    expect(report.summary).toMatchObject({ created: Object.keys(before).length, failed: 0 })
    expect(await snapshot()).toEqual(before)
  })

  it('--source and --since export only the posts of that source, published since that time', async () => {
    const { docs } = await payload.find({
      collection: 'posts',
      depth: 1,
      pagination: false,
      overrideAccess: true,
    })
    const sourceOf = (p: (typeof docs)[number]) =>
      p.source && typeof p.source === 'object' ? p.source : undefined
    const withSource = docs.find((p) => sourceOf(p)?.slug)!
    const slug = sourceOf(withSource)!.slug!
    const bySource = await runExport({ payload, dir: outDir(), source: slug })
    const expected = docs.filter((p) => sourceOf(p)?.slug === slug).map((p) => p.id)
    expect(expected.length).toBeLessThan(docs.length)
    expect(bySource.rows.map((r) => r.post).sort()).toEqual(expected.sort())

    const since = new Date('2025-03-10T00:00:00Z')
    const bySince = await runExport({ payload, dir: outDir(), since })
    const recent = docs
      .filter((p) => p.publishedAt && Date.parse(p.publishedAt) >= since.getTime())
      .map((p) => p.id)
    expect(recent.length).toBeGreaterThan(0)
    expect(recent.length).toBeLessThan(docs.length)
    expect(bySince.rows.map((r) => r.post).sort()).toEqual(recent.sort())

    await expect(runExport({ payload, dir: outDir(), source: 'no-such-source' })).rejects.toThrow(
      'no source with the slug "no-such-source"',
    )
  })

  it('a file written with other bytes but the same content (CRLF line ends, a BOM) is unchanged: the importer compares documents', async () => {
    const dir = tmp('export-crlf-')
    for (const entry of fs.readdirSync(EXAMPLES, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const name = path.relative(EXAMPLES, path.join(entry.parentPath, entry.name))
      const text = fs.readFileSync(path.join(EXAMPLES, name), 'utf8')
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
      fs.writeFileSync(path.join(dir, name), `\ufeff${text.replace(/\r?\n/g, '\r\n')}`)
    }
    const report = await runImport({ payload, dir })
    expect(report.summary).toMatchObject({ created: 0, updated: 0, failed: 0 })
    expect(report.summary.unchanged).toBe(imported.summary.created)
  })

  it('an edited post (saved, or saved as a draft) exports its edit; a post without an original URL is skipped with the reason', async () => {
    const { docs } = await payload.find({
      collection: 'posts',
      where: { 'provenance.archiveFile': { equals: MARKETS } },
      depth: 0,
      overrideAccess: true,
    })
    const markets = docs[0]
    const library = (
      await payload.find({
        collection: 'posts',
        where: { 'provenance.archiveFile': { equals: LIBRARY } },
        depth: 0,
        overrideAccess: true,
      })
    ).docs[0]
    later(60_000)
    const content = structuredClone(markets.content) as {
      root: { children: { children?: { text?: string }[] }[] }
    }
    const textNode = content.root.children.flatMap((b) => b.children ?? []).find((n) => n.text)!
    textNode.text = `${textNode.text} (corrected by the desk)`
    await payload.update({
      collection: 'posts',
      id: markets.id,
      data: { title: 'Markets close higher (corrected)', content: content as never },
      overrideAccess: true,
    })
    // An edit saved as a draft of a published post (a version only) is the post's latest content too.
    await payload.update({
      collection: 'posts',
      id: library.id,
      data: { title: '图书馆夜间开放（编辑草稿）' },
      draft: true,
      overrideAccess: true,
    })
    const draft = await payload.create({
      collection: 'posts',
      data: { title: 'A desk note with no article behind it' },
      draft: true,
      overrideAccess: true,
    })
    jest.useRealTimers()

    // The store keeps an imported post's source document once, in its row, not in the version it
    // wrote with it; Payload starts a save from that version. Both saves kept the document: the
    // post's row (a save), the new draft version (a draft save).
    const rowSource = async (id: number | string) =>
      (
        (await payload.db.findOne({
          collection: 'posts',
          where: { id: { equals: id } },
          select: { provenance: { source: true } },
        })) as { provenance?: { source?: unknown } } | null
      )?.provenance?.source
    expect(await rowSource(markets.id)).toMatchObject({ body: expect.any(String) })
    const libraryDraft = await payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: library.id }, latest: { equals: true } },
      overrideAccess: true,
    })
    expect(libraryDraft.docs[0].version.provenance?.source).toEqual(await rowSource(library.id))

    const dir = outDir()
    const report = await runExport({ payload, dir })
    const edited = rowFor(report, markets.id)
    expect(edited).toMatchObject({ status: 'written', from: 'post', file: MARKETS })
    const doc = parseArchiveFile(fs.readFileSync(path.join(dir, MARKETS), 'utf8'), MARKETS)
    expect(doc.frontMatter?.title).toBe('Markets close higher (corrected)')
    expect(doc.link?.title).toBe('Markets close higher (corrected)')
    expect(readerText(doc.body)).toContain('(corrected by the desk)')

    expect(rowFor(report, draft.id)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no Original URL'),
    })
    expect(rowFor(report, library.id)).toMatchObject({ status: 'written', from: 'post' })
    const libraryDoc = parseArchiveFile(fs.readFileSync(path.join(dir, LIBRARY), 'utf8'), LIBRARY)
    expect(libraryDoc.frontMatter?.title).toBe('图书馆夜间开放（编辑草稿）')
    expect(report.summary.fromPost).toBe(2)

    // Into the same database: the edited post's file changed and the post was edited, so the importer
    // keeps the edit (conflict); every other file is the one its post was made from.
    const again = statuses(await runImport({ payload, dir }))
    expect(
      Object.entries(again)
        .filter(([, s]) => s !== 'unchanged')
        .sort(),
    ).toEqual(
      [
        [LIBRARY, 'conflict'],
        [MARKETS, 'conflict'],
      ].sort(),
    )
  })

  it('refuses a folder that holds anything', async () => {
    await expect(runExport({ payload, dir: firstExport })).rejects.toThrow('not an empty folder')
  })
})
