// `npm run import -- <archive-dir> [--dry-run] [--report file.json] [--status draft|published] [--concurrency N] [--sink KIND]`
// The command line of the importer: the one place that boots this app's Payload (payload.config);
// src/importer itself only ever receives a Payload instance.
import '../preload'

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

import cliProgress from 'cli-progress'

const usage =
  'Usage: npm run import -- <archive-dir> [--dry-run] [--report <file.json>] [--status draft|published] [--concurrency N (default: one per core)] [--sink local-api|adapter|bulk]'

const main = async (): Promise<number> => {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        report: { type: 'string' },
        status: { type: 'string', default: 'published' },
        // One worker thread per core by default: one worker took the 64k archive 453 s, two 64 s.
        concurrency: { type: 'string', default: String(os.availableParallelism()) },
        sink: { type: 'string' },
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
  if (!dir || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    process.stderr.write(`${dir ? `Not a folder: ${dir}` : 'No archive folder given.'}\n${usage}\n`)
    return 2
  }
  if (values.status !== 'draft' && values.status !== 'published') {
    process.stderr.write(`--status must be draft or published, not "${values.status}".\n`)
    return 2
  }
  const concurrency = Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`--concurrency must be a positive integer, not "${values.concurrency}".\n`)
    return 2
  }

  const sinks = ['local-api', 'adapter', 'bulk'] as const
  // `sqlite-bulk`, its name before the bulk path ran on PostgreSQL too, still works in old scripts.
  const sink = (values.sink === 'sqlite-bulk' ? 'bulk' : values.sink) as
    (typeof sinks)[number] | undefined
  if (sink !== undefined && !sinks.includes(sink)) {
    process.stderr.write(`--sink must be one of ${sinks.join(', ')}, not "${values.sink}".\n`)
    return 2
  }

  const { getPayload } = await import('payload')
  const { default: config } = await import('../../payload.config')
  const { runTrackedImport } = await import('../importer/task')
  const payload = await getPayload({ config })
  process.stderr.write(
    `import: ${path.resolve(dir)} with ${concurrency} worker${concurrency === 1 ? '' : 's'}` +
      `${values.concurrency === String(os.availableParallelism()) ? ' (one per core)' : ''}\n`,
  )

  const tty = Boolean(process.stderr.isTTY)
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: 'import [{bar}] {value}/{total} files | {rate}/s | ETA {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  const started = Date.now()
  let lastLine = 0
  let barStarted = false
  const onProgress = (done: number, total: number) => {
    const rate = (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0)
    if (bar) {
      if (!barStarted) {
        bar.start(total, 0, { rate })
        barStarted = true
      }
      bar.update(done, { rate })
    } else if (Date.now() - lastLine > 5000 || done === total) {
      lastLine = Date.now()
      process.stderr.write(`import: ${done}/${total} files (${rate}/s)\n`)
    }
  }

  const { report } = await runTrackedImport({
    payload,
    dir: path.resolve(dir),
    dryRun: values['dry-run'],
    status: values.status,
    concurrency,
    sink,
    onProgress,
  })
  bar?.stop()
  if (values.report) fs.writeFileSync(values.report, JSON.stringify(report, null, 1))
  const s = report.summary
  process.stdout.write(
    `${s.dryRun ? '[dry run] ' : ''}${s.files} files: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ` +
      `${s.duplicate} duplicate, ${s.conflict} conflict, ${s.skipped} skipped, ${s.failed} failed, ${s.flagged} flagged for review ` +
      `in ${(s.durationMs / 1000).toFixed(1)} s${values.report ? ` (report: ${values.report})` : ''}\n`,
  )
  await payload.destroy?.()
  return s.failed > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
