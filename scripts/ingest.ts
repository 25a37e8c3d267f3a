// `npm run ingest -- [--source <slug>]... [--report <file.json>]`: one ingest run now. Without
// --source it polls the enabled sources that are due, as the server's job does; --source polls that
// source now, due or not. Exits 1 when a feed failed, 2 on bad arguments.
import '../src/preload'

import fs from 'node:fs'
import { parseArgs } from 'node:util'

const usage = 'Usage: npm run ingest -- [--source <slug>]... [--report <file.json>]'

const main = async (): Promise<number> => {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        source: { type: 'string', multiple: true },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const { getPayload } = await import('payload')
  const { default: config } = await import('../payload.config')
  const { runIngest } = await import('../src/ingest/run')
  const payload = await getPayload({ config })
  try {
    const report = await runIngest({ payload, sources: values.source })
    if (values.report) fs.writeFileSync(values.report, JSON.stringify(report, null, 1))
    for (const feed of report.feeds) {
      process.stdout.write(
        `${feed.source}: ${feed.status}${feed.httpStatus ? ` (HTTP ${feed.httpStatus})` : ''}, ${feed.items} items${feed.error ? ` — ${feed.error}` : ''}\n`,
      )
    }
    const s = report.summary
    process.stdout.write(
      `${s.sources} sources (${s.failedFeeds} failed, ${s.notModified} not modified), ${s.items} items: ` +
        `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.duplicate} duplicate, ` +
        `${s.conflict} conflict, ${s.failed} failed in ${(s.durationMs / 1000).toFixed(1)} s` +
        `${values.report ? ` (report: ${values.report})` : ''}\n`,
    )
    if (s.sources === 0)
      process.stdout.write('No source is due (use --source <slug> to poll one now).\n')
    return s.failedFeeds > 0 ? 1 : 0
  } finally {
    await payload.destroy()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `ingest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
