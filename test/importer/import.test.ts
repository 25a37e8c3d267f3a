import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { runImport } from '../../src/importer'
import { bootPayload } from '../helpers/payload'

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)

/** A copy of the example archive; `host` rewrites its URLs so a second copy makes other posts. */
const copyArchive = (host?: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'importer-archive-'))
  fs.cpSync(EXAMPLES, dir, { recursive: true })
  if (host) {
    for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue
      const file = path.join(e.parentPath, e.name)
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/example\.(org|com)/gi, host))
    }
  }
  return dir
}

let payload: Payload
beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  await payload.destroy()
})

const countVersions = async (payload: Payload) =>
  (await payload.countVersions({ collection: 'posts', overrideAccess: true })).totalDocs

describe('importing the example archive', () => {
  let dir: string

  beforeAll(() => {
    dir = copyArchive()
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('creates one published, anonymously readable post per URL and reports every file', async () => {
    const report = await runImport({ payload, dir })
    const files = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
    expect(report.rows).toHaveLength(files.length)
    expect(report.summary.failed).toBe(0)
    expect(report.summary.duplicate).toBe(1)
    const dup = report.rows.find((r) => r.status === 'duplicate')
    expect(dup?.reason).toMatch(/same URL as ".*", which was kept \(newest crawl\)/)

    const anon = await payload.find({
      collection: 'posts',
      overrideAccess: false,
      limit: 100,
      depth: 1,
    })
    expect(anon.totalDocs).toBe(report.summary.created)
    for (const post of anon.docs) {
      expect(post.contentHtml ?? '').not.toMatch(/<script|\son[a-z]+=|javascript:/i)
      expect(post.slug).toBeTruthy()
    }
    // Every upload node is a media doc that renders back as an <img>.
    const river = anon.docs.find(
      (p) => p.sourceUrl === 'https://news.example.org/city/2025/03/river-cleanup.html',
    )
    expect(river?.contentHtml).toContain('<img src="https://img.example.org/2025/river.jpg"')
    expect(river?.contentHtml).toContain('<figcaption>Volunteers on the east bank</figcaption>')
    expect(river?.contentHtml).toContain('https://www.youtube.com/embed/abc123XYZ')
    // The admin's draft reads find a latest version for every post.
    expect(await countVersions(payload)).toBe(report.summary.created)
    const sources = await payload.find({ collection: 'sources', limit: 10 })
    expect(sources.docs.map((s) => s.name).sort()).toEqual([
      'Example Daily',
      'Example Weekly',
      '示例日报',
      '美国之音',
    ])
    const authors = await payload.find({ collection: 'authors', limit: 10 })
    expect(authors.docs.map((a) => a.name).sort()).toEqual(['Jane Roe', '李 明'])
  })

  it('a re-import of the unchanged archive writes nothing', async () => {
    const before = await countVersions(payload)
    const report = await runImport({ payload, dir })
    expect(report.summary.created).toBe(0)
    expect(report.summary.updated).toBe(0)
    expect(report.summary.unchanged).toBe(report.summary.files - report.summary.duplicate)
    expect(await countVersions(payload)).toBe(before)
  })

  it('editing one file updates exactly that post', async () => {
    const file = path.join(dir, '_posts/2025-03-13-Markets close higher.md')
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('Stocks closed higher', 'Stocks closed sharply higher'),
    )
    const before = await countVersions(payload)
    const report = await runImport({ payload, dir })
    expect(report.summary.updated).toBe(1)
    expect(report.summary.created).toBe(0)
    const row = report.rows.find((r) => r.status === 'updated')
    expect(row?.file).toBe('_posts/2025-03-13-Markets close higher.md')
    const post = await payload.findByID({ collection: 'posts', id: row!.id!, overrideAccess: true })
    expect(post.contentHtml).toContain('sharply higher')
    expect(await countVersions(payload)).toBe(before + 1)
  })
})

describe('an interrupted import', () => {
  let dir: string

  beforeAll(() => {
    dir = copyArchive('interrupted.test')
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('resumes to a complete archive with no duplicates', async () => {
    const controller = new AbortController()
    const first = await runImport({
      payload,
      dir,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 3) controller.abort()
      },
    })
    expect(first.rows).toHaveLength(first.summary.files)
    const partial = await payload.count({ collection: 'posts', overrideAccess: true })
    expect(first.summary.skipped).toBeGreaterThan(0)
    const second = await runImport({ payload, dir, runId: 'resume' })
    expect(second.summary.failed).toBe(0)
    const mine = { sourceUrl: { contains: 'interrupted.test' } }
    const total = await payload.count({ collection: 'posts', where: mine, overrideAccess: true })
    expect(total.totalDocs).toBe(second.summary.files - second.summary.duplicate)
    expect(second.summary.created + first.summary.created).toBe(total.totalDocs)
    expect(partial.totalDocs).toBeGreaterThan(0)
    const urls = (
      await payload.find({ collection: 'posts', where: mine, limit: 100, overrideAccess: true })
    ).docs.map((p) => p.sourceUrl)
    expect(new Set(urls).size).toBe(urls.length)
  })

  it('an abort before the first file leaves every file reported as skipped', async () => {
    const controller = new AbortController()
    controller.abort()
    const report = await runImport({ payload, dir, signal: controller.signal })
    expect(report.rows.every((r) => r.status === 'skipped' || r.status === 'duplicate')).toBe(true)
    expect(report.rows.find((r) => r.status === 'skipped')?.reason).toBe(
      'import aborted before this file',
    )
  })
})

describe('the featured image of an imported post', () => {
  it('is its first body image, as WordPress and Ghost show one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'importer-hero-'))
    try {
      const fixtures = path.resolve(
        path.dirname(fileURLToPath(import.meta.url)),
        '../fixtures/importer',
      )
      fs.copyFileSync(
        path.join(fixtures, 'images-lazy-and-relative.md'),
        path.join(dir, 'images.md'),
      )
      const report = await runImport({ payload, dir })
      const row = report.rows.find((r) => r.id != null)
      expect(row).toBeDefined()
      const post = await payload.findByID({
        collection: 'posts',
        id: row!.id!,
        depth: 0,
        overrideAccess: true,
      })
      type Node = { type?: string; value?: unknown; children?: Node[] }
      const uploads = (node: Node): unknown[] =>
        node.type === 'upload' ? [node.value] : (node.children ?? []).flatMap(uploads)
      const firstUpload = uploads(post.content?.root as Node)[0]
      expect(firstUpload).toBeDefined()
      const id = (v: unknown) => (typeof v === 'object' && v ? (v as { id: unknown }).id : v)
      expect(id(post.heroImage)).toBe(id(firstUpload))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
