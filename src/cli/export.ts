// `npm run export -- <dir> [--source slug] [--since date] [--status draft|published] [--report file.json]`
// Posts back out as archive files (src/export, written by src/archive), so a newsroom is never
// locked in. Like the importer's command line, the one place that boots this app's Payload.
import '../preload'

import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

import cliProgress from 'cli-progress'

const usage =
  'Usage: npm run export -- <dir> [--source <source-slug>] [--since <date>] [--status draft|published] [--report <file.json>]'

/** A progress bar on a terminal, else a line every 5 s (a log keeps readable lines). */
const progress = () => {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'export [{bar}] {value}/{total} posts | ETA {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  let barStarted = false
  let lastLine = 0
  const onProgress = (done: number, total: number) => {
    if (bar) {
      if (!barStarted) bar.start(total, 0)
      barStarted = true
      bar.setTotal(total)
      bar.update(done)
    } else if (Date.now() - lastLine > 5000 || done === total) {
      lastLine = Date.now()
      process.stderr.write(`export: ${done}/${total} posts\n`)
    }
  }
  return { onProgress, stop: () => bar?.stop() }
}

const main = async (): Promise<number> => {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        since: { type: 'string' },
        status: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const dir = positionals[0]
  if (!dir) {
    process.stderr.write(`No folder given.\n${usage}\n`)
    return 2
  }
  const since = values.since === undefined ? undefined : new Date(values.since)
  if (since && Number.isNaN(since.getTime())) {
    process.stderr.write(
      `--since must be a date (2025-01-31 or an ISO time), not "${values.since}".\n`,
    )
    return 2
  }
  const status = values.status
  if (status !== undefined && status !== 'draft' && status !== 'published') {
    process.stderr.write(`--status must be draft or published, not "${status}".\n`)
    return 2
  }

  const { getPayload } = await import('payload')
  const { default: config } = await import('../../payload.config')
  const { ExportOptionsError, runExport } = await import('../export')
  const payload = await getPayload({ config })

  const { onProgress, stop } = progress()

  let report
  try {
    report = await runExport({
      payload,
      dir: path.resolve(dir),
      source: values.source,
      since,
      status,
      onProgress,
    })
  } catch (err) {
    if (!(err instanceof ExportOptionsError)) throw err
    process.stderr.write(`${err.message}\n`)
    await payload.destroy?.()
    return 2
  } finally {
    stop()
  }
  if (values.report) fs.writeFileSync(values.report, JSON.stringify(report, null, 1))
  const s = report.summary
  process.stdout.write(
    `${s.posts} posts: ${s.written} written (${s.fromSource} as imported, ${s.fromPost} from their edited content), ` +
      `${s.skipped} skipped, ${s.failed} failed in ${(s.durationMs / 1000).toFixed(1)} s` +
      `${values.report ? ` (report: ${values.report})` : ''}\n`,
  )
  for (const row of report.rows.filter((r) => r.status !== 'written').slice(0, 20)) {
    process.stderr.write(`${row.status}: post ${row.post} "${row.title}": ${row.reason}\n`)
  }
  await payload.destroy?.()
  return s.failed > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `export failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
