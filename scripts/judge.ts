// `npm run judge -- <archive-dir> [--concurrency N] [--report <file.json>]`: the importer as a reader
// sees it. Imports the archive into a fresh temporary SQLite file, serves it with the real server
// (127.0.0.1, a free port, no admin, no crons), runs the shared acceptance check `fidelity.mjs`
// against it, prints the check's figures and summary line and exits with its code (0: passed).
// The check lives in the shared folder beside the repository: SHARED_DIR, else the parent of
// CORPUS_DIR, else ../shared. It needs htmlparser2, fastest-levenshtein, @mozilla/readability and
// jsdom, all of which are our own dependencies: it is run with TOOLS pointing at this repository.
import '../src/preload'

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { settings } from '../src/config'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const usage = 'Usage: npm run judge -- <archive-dir> [--concurrency N] [--report <file.json>]'

const sharedDir = () => {
  const { sharedDir, corpusDir } = settings()
  return sharedDir ? path.resolve(sharedDir) : path.dirname(path.resolve(root, corpusDir))
}

/** Runs the check as its own process (the server keeps answering in this one), stdout passed through. */
const runCheck = (script: string, args: string[]) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      env: { ...process.env, TOOLS: root },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })

const main = async (): Promise<number> => {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        concurrency: { type: 'string', default: '2' },
        report: { type: 'string' },
      },
    })
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`)
    return 2
  }
  const dir = parsed.positionals[0] ? path.resolve(parsed.positionals[0]) : undefined
  if (!dir || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    process.stderr.write(`${dir ? `Not a folder: ${dir}` : 'No archive folder given.'}\n${usage}\n`)
    return 2
  }
  const concurrency = Number(parsed.values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`--concurrency must be a positive integer.\n${usage}\n`)
    return 2
  }
  const check = path.join(sharedDir(), 'tools', 'fidelity.mjs')
  if (!fs.existsSync(check)) {
    process.stderr.write(
      `judge: the acceptance check ${check} was not found (set SHARED_DIR to the folder holding tools/fidelity.mjs).\n`,
    )
    return 2
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'newsroom-judge-'))
  process.env.DATABASE_URI = path.join(tmp, 'judge.db')
  process.env.PAYLOAD_SECRET = randomBytes(24).toString('hex')
  process.env.SERVE_ADMIN = 'false'
  delete process.env.ARCHIVE_DIR
  const reportFile = parsed.values.report
    ? path.resolve(parsed.values.report)
    : path.join(tmp, 'report.json')
  let running: Awaited<ReturnType<typeof import('../src/server').startServer>> | undefined
  try {
    const { getPayload } = await import('payload')
    const { default: config } = await import('../payload.config')
    const { runImport } = await import('../src/importer')
    const payload = await getPayload({ config })
    const started = Date.now()
    const report = await runImport({ payload, dir, concurrency })
    fs.writeFileSync(reportFile, JSON.stringify(report))
    const s = report.summary
    process.stderr.write(
      `judge: imported ${s.files} files in ${((Date.now() - started) / 1000).toFixed(1)} s (created ${s.created}, duplicate ${s.duplicate}, skipped ${s.skipped}, failed ${s.failed}, flagged ${s.flagged})\n`,
    )

    const { startServer } = await import('../src/server')
    running = await startServer({ host: '127.0.0.1', port: 0, admin: false, jobs: false })
    return await runCheck(check, [dir, reportFile, running.url])
  } finally {
    await running?.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `judge failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
