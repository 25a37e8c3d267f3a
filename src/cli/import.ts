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

const SINKS = ['local-api', 'adapter', 'bulk'] as const

type ImportArgs = {
  dir: string
  dryRun: boolean
  report?: string
  status: 'draft' | 'published'
  concurrency: number
  sink?: (typeof SINKS)[number]
  /** The concurrency is the default, one worker per core. */
  perCore: boolean
}

/** The command line read and checked: the arguments, or the exit code (0 for --help, 2 when bad). */
const readArgs = (): ImportArgs | number => {
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
  // `sqlite-bulk`, its name before the bulk path ran on PostgreSQL too, still works in old scripts.
  const sink = (values.sink === 'sqlite-bulk' ? 'bulk' : values.sink) as ImportArgs['sink']
  if (sink !== undefined && !SINKS.includes(sink)) {
    process.stderr.write(`--sink must be one of ${SINKS.join(', ')}, not "${values.sink}".\n`)
    return 2
  }
  const { status, report } = values
  const perCore = values.concurrency === String(os.availableParallelism())
  return { dir, dryRun: values['dry-run'], report, status, concurrency, sink, perCore }
}

/** Progress on stderr: a bar on a terminal, else a line every 5 s and at the end. */
const progressReporter = () => {
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
  return { onProgress, stop: () => bar?.stop() }
}

const main = async (): Promise<number> => {
  const args = readArgs()
  if (typeof args === 'number') return args

  const { getPayload } = await import('payload')
  const { default: config } = await import('../../payload.config')
  const { runTrackedImport } = await import('../importer/task')
  const payload = await getPayload({ config })
  process.stderr.write(
    `import: ${path.resolve(args.dir)} with ${args.concurrency} worker${args.concurrency === 1 ? '' : 's'}` +
      `${args.perCore ? ' (one per core)' : ''}\n`,
  )

  const progress = progressReporter()
  const { report } = await runTrackedImport({
    payload,
    dir: path.resolve(args.dir),
    dryRun: args.dryRun,
    status: args.status,
    concurrency: args.concurrency,
    sink: args.sink,
    onProgress: progress.onProgress,
  })
  progress.stop()
  if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 1))
  const s = report.summary
  process.stdout.write(
    `${s.dryRun ? '[dry run] ' : ''}${s.files} files: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ` +
      `${s.duplicate} duplicate, ${s.conflict} conflict, ${s.skipped} skipped, ${s.failed} failed, ${s.flagged} flagged for review ` +
      `in ${(s.durationMs / 1000).toFixed(1)} s${args.report ? ` (report: ${args.report})` : ''}\n`,
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
