// `npm run bench:import`: the importer on the whole 64k archive, into a fresh SQLite file, then an
// unchanged re-import, then Payload's own path (YAML + convertHTMLToLexical with JSDOM + payload.create
// as drafts) on the first 1,000 files, and the ratio. Not a test: it prints figures.
import '../src/preload'

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const corpus = process.env.CORPUS_DIR ?? path.resolve(root, '../shared/corpus')
const archive = path.join(corpus, 'archive-64k.tar.xz')
if (!fs.existsSync(archive)) {
  process.stderr.write(`bench:import: ${archive} not found (set CORPUS_DIR).\n`)
  process.exit(2)
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-import-'))
const dbFile = path.join(tmp, 'bench.db')
process.env.DATABASE_URI = dbFile
process.env.PAYLOAD_SECRET ??= 'bench-secret'
delete process.env.ARCHIVE_DIR

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`
const peakRss = () => process.resourceUsage().maxRSS

const main = async () => {
  process.stdout.write(`unpacking ${archive} into ${tmp} ...\n`)
  // The archive gets a folder of its own: the database and report beside it are not archive files.
  const dir = path.join(tmp, 'archive')
  fs.mkdirSync(dir)
  execFileSync('tar', ['-xJf', archive, '-C', dir])

  const { getPayload } = await import('payload')
  const { default: config } = await import('../payload.config')
  const { runImport } = await import('../src/importer')
  const { listArchiveFiles } = await import('../src/importer/read')
  const payload = await getPayload({ config })

  const line = (label: string, r: Awaited<ReturnType<typeof runImport>>, ms: number) => {
    const s = r.summary
    const posts = s.created + s.updated + s.unchanged
    process.stdout.write(
      `${label}: files ${s.files}, posts ${posts} (created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}, duplicate ${s.duplicate}, failed ${s.failed}), ` +
        `wall ${(ms / 1000).toFixed(1)} s, ${(posts / (ms / 1000)).toFixed(0)} posts/s, peak RSS ${mb(peakRss())}\n`,
    )
    return posts / (ms / 1000)
  }

  // The importer's threads: the loader and one transform worker on a 2-core machine (BENCH_CONCURRENCY).
  const concurrency = Number(process.env.BENCH_CONCURRENCY || 2)
  let t0 = Date.now()
  // BENCH_IMPORTER=false times Payload's own path only (with BENCH_IMPORTER_RATE for the ratio).
  let firstRate = Number(process.env.BENCH_IMPORTER_RATE || 0)
  if (process.env.BENCH_IMPORTER !== 'false') {
    const first = await runImport({ payload, dir, concurrency, onProgress: progressLine() })
    firstRate = line('import', first, Date.now() - t0)
    fs.writeFileSync(path.join(tmp, 'report.json'), JSON.stringify(first))

    t0 = Date.now()
    const again = await runImport({ payload, dir, concurrency, onProgress: progressLine() })
    line('re-import (unchanged)', again, Date.now() - t0)
  }

  // Payload's own path on the first 1,000 files, as drafts (published, most would fail validation).
  const { convertHTMLToLexical, editorConfigFactory } = await import('@payloadcms/richtext-lexical')
  const { JSDOM } = await import('jsdom')
  const { parse } = await import('yaml')
  // The posts field's own (sanitized) editor: tables and uploads as the field knows them.
  const contentField = payload.collections.posts.config.flattenedFields.find(
    (f) => f.name === 'content',
  )
  const editorConfig = await editorConfigFactory.fromField({ field: contentField as never })
  const sample = listArchiveFiles(dir).slice(0, 1000)
  t0 = Date.now()
  let stored = 0
  for (const file of sample) {
    try {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r\n?/g, '\n')
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(raw)
      let fm: Record<string, unknown> = {}
      try {
        fm = m ? ((parse(m[1]) as Record<string, unknown>) ?? {}) : {}
      } catch {
        fm = {}
      }
      const html = (m ? m[2] : raw)
        .replace(/^\s*<!--[^>]*-->\n?/, '')
        .replace(/^\[.*\]\(.*\)\n-{3,}\n/, '')
      const content = convertHTMLToLexical({ editorConfig, html, JSDOM })
      await payload.create({
        collection: 'posts',
        draft: true,
        data: { title: String(fm.title ?? file), content: content as never, _status: 'draft' },
        overrideAccess: true,
      })
      stored++
    } catch {
      // Payload's path refuses some files; the count of stored posts says how many.
    }
    await new Promise((r) => setImmediate(r))
  }
  const payloadMs = Date.now() - t0
  const payloadRate = stored / (payloadMs / 1000)
  process.stdout.write(
    `payload path (first ${sample.length} files, drafts): stored ${stored}, wall ${(payloadMs / 1000).toFixed(1)} s, ${payloadRate.toFixed(1)} posts/s, peak RSS ${mb(peakRss())}\n`,
  )
  process.stdout.write(`ratio importer / payload path: ${(firstRate / payloadRate).toFixed(1)}x\n`)
  await payload.destroy()
  fs.rmSync(tmp, { recursive: true, force: true })
}

const progressLine = () => {
  let last = 0
  return (done: number, total: number) => {
    if (Date.now() - last < 15_000 && done < total) return
    last = Date.now()
    process.stderr.write(`  ${done}/${total}\n`)
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
