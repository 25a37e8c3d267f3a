import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

import type { Payload, PayloadRequest } from 'payload'

import { TransformPool } from './pool'
import { listArchiveFiles, maxFileBytes } from './read'
import { chooseSink, type ImportSink, type PostPlan, type SinkKind } from '../store'
import type {
  FileOutcome,
  ScanTimes,
  Scanned,
  SpillRef,
  TransformOutcome,
  TransformTimes,
} from './stage'

/** What happened to one file. `conflict`: its post exists and is not the importer's to overwrite. */
export type RowStatus =
  'created' | 'updated' | 'unchanged' | 'duplicate' | 'conflict' | 'failed' | 'skipped'

export type ImportRow = {
  /** Path relative to the archive folder. */
  file: string
  status: RowStatus
  id?: number | string
  sourceUrl?: string
  reason?: string
  warnings: string[]
  fidelity?: number
  /** The post needs an editor's review (low fidelity, or the loss guard kept the whole body). */
  flagged?: boolean
}

export type ImportReport = {
  summary: {
    files: number
    created: number
    updated: number
    unchanged: number
    duplicate: number
    conflict: number
    failed: number
    skipped: number
    flagged: number
    dryRun: boolean
    /** The write path of the run (src/store). */
    sink: SinkKind
    runId: string
    startedAt: string
    finishedAt: string
    durationMs: number
  }
  rows: ImportRow[]
  /** Ids of the docs this run created, per collection (empty on a dry run). */
  created: ImportSink['created']
  /** Where the time went. */
  profile: ImportProfile
}

export type ImportOptions = {
  payload: Payload
  /** The archive folder (searched recursively). */
  dir: string
  /** Status of imported posts. @default 'published' */
  status?: 'draft' | 'published'
  /** Parse and transform everything, write nothing. @default false */
  dryRun?: boolean
  /** Threads that read, parse and transform (1: this one; N > 1: N worker threads). @default 1 */
  concurrency?: number
  /** Recorded on every post written (provenance.importRun). @default a random UUID */
  runId?: string
  onProgress?: (done: number, total: number) => void
  /** Aborting stops after the current file; what was written stays, the rest is reported skipped. */
  signal?: AbortSignal
  /** Write inside this request's transaction (used by the migration). */
  req?: PayloadRequest
  /** The write path (src/store). @default 'bulk' on SQLite and PostgreSQL, else 'local-api' */
  sink?: Exclude<SinkKind, 'dry-run'>
}

type Indexed = Scanned & { index: number; parsed?: SpillRef }

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Orders candidate files for one URL: newest crawl first, then newest feed time, then larger, then name. */
const newer = (a: Scanned, b: Scanned): number =>
  b.crawl - a.crawl ||
  b.stamp - a.stamp ||
  b.size - a.size ||
  (a.file < b.file ? 1 : a.file > b.file ? -1 : 0)

const why = (winner: Scanned, loser: Scanned): string => {
  if (winner.crawl !== loser.crawl) return 'newest crawl'
  if (winner.stamp !== loser.stamp) return 'newest feed time'
  if (winner.size !== loser.size) return 'longest file'
  return 'last file name'
}

/** Where the time of a run went, in milliseconds (stages summed over files and threads). */
export type ImportProfile = {
  /**
   * Wall time of each phase: reading what exists; reading + parsing the files; transforming the
   * winners (on the pool's threads) while writing them (on this one).
   */
  wall: { prepare: number; scan: number; write: number }
  /** Time per stage, summed over files (read, parse and transform run on every thread). */
  stages: ScanTimes & TransformTimes & { write: number; commit: number }
  threads: number
}

/**
 * Imports an archive folder: read -> parse -> transform -> sink. Every file ends in exactly one
 * report row; one bad file never stops the run. Re-running on an unchanged archive writes nothing.
 *
 * Two phases. First every file is read and parsed, once, on every thread; parsed files wait in a spill
 * file (unless the database holds that very file already). Then, with every file's identity known,
 * duplicates are decided, and the winners are transformed on the pool's threads while this thread
 * writes them through the run's sink, in file order (which makes slugs deterministic). A file is
 * transformed only when its plan is a write.
 */
export const runImport = async (options: ImportOptions): Promise<ImportReport> => {
  const { payload, dir, dryRun = false } = options
  const status = options.status ?? 'published'
  const runId = options.runId ?? randomUUID()
  const started = new Date()
  const files = listArchiveFiles(dir)
  const profile: ImportProfile = {
    wall: { prepare: 0, scan: 0, write: 0 },
    stages: { read: 0, parse: 0, spill: 0, unspill: 0, transform: 0, write: 0, commit: 0 },
    threads: 1,
  }
  const lap = stopwatch()
  const sink = chooseSink(payload, { status, runId, req: options.req, dryRun, kind: options.sink })
  await sink.prepare()
  profile.wall.prepare = lap()

  removeAbandonedSpills(payload)
  const spillDir = fs.mkdtempSync(path.join(os.tmpdir(), `${SPILL_PREFIX}${process.pid}-`))
  // concurrency N: N worker threads read, parse and transform while this one writes (1: inline).
  const threads = Math.max(1, Math.floor(options.concurrency ?? 1))
  const pool = await TransformPool.create(threads > 1 ? threads : 0, {
    known: sink.knownHashes(),
    spillBase: path.join(spillDir, 'parsed'),
    maxFileBytes: maxFileBytes(),
  })
  profile.threads = Math.max(1, pool.threads)
  const run: Run = {
    payload,
    dir,
    files,
    rows: new Array(files.length),
    profile,
    sink,
    pool,
    signal: options.signal,
    progress: progressOf(files.length, options.onProgress),
  }
  try {
    const outcomes = await scanFiles(run)
    profile.wall.scan = lap()
    const winners = pickWinners(run, outcomes)
    lap()
    await writeWinners(run, winners)
    profile.wall.write = lap()
  } catch (err) {
    await sink.rollback()
    throw err
  } finally {
    await pool.close()
    fs.rmSync(spillDir, { recursive: true, force: true })
  }
  markUnprocessed(run)
  run.progress.set(2 * files.length)
  return reportOf(run, { dryRun, runId, started })
}

/** Milliseconds since the last call (the first: since the stopwatch was made). */
const stopwatch = () => {
  let clock = performance.now()
  return () => {
    const now = performance.now()
    const ms = now - clock
    clock = now
    return ms
  }
}

/**
 * The run's progress in units of half a file: reading and parsing is half of the work reported,
 * transforming and writing the other half.
 */
const progressOf = (total: number, onProgress: ImportOptions['onProgress']) => {
  let done = 0
  const report = () => onProgress?.(Math.floor(done / 2), total)
  return {
    /** One more unit done, reported unless `quiet` (a caller reporting a batch once). */
    add: (quiet = false) => {
      done++
      if (!quiet) report()
    },
    report,
    set: (units: number) => {
      done = units
      report()
    },
  }
}

/** What the stages of one run share. */
type Run = {
  payload: Payload
  dir: string
  files: string[]
  /** One row per file, filled as the stages decide. */
  rows: (ImportRow | undefined)[]
  profile: ImportProfile
  sink: ImportSink
  pool: TransformPool
  signal?: AbortSignal
  progress: ReturnType<typeof progressOf>
}

/** Stage 1, read and parse: every file once, a bounded number in flight. */
const scanFiles = async ({ payload, dir, files, pool, signal, progress }: Run) => {
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length)
  const inFlight = new Set<Promise<void>>()
  // Inline, one file at a time; with workers, a few queued per worker so none waits for work.
  const window = pool.threads ? pool.threads * 4 : 1
  for (let i = 0; i < files.length && !signal?.aborted; i++) {
    const file = files[i]
    const job: Promise<void> = pool
      .scan(dir, file)
      .then(
        (outcome) => {
          outcomes[i] = outcome
        },
        (err: unknown) => {
          payload.logger.error({ err, msg: `import: ${file} failed` })
          const reason = (err as Error).message
          outcomes[i] = { ok: false, file, status: 'failed', reason, times: noTimes() }
        },
      )
      .finally(() => {
        inFlight.delete(job)
        progress.add()
      })
    inFlight.add(job)
    if (inFlight.size >= window) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  return outcomes
}

/**
 * Stage 2, duplicates: a row for each file that failed to scan, one winner per URL (the others are
 * `duplicate`, naming it). The winners, in file order.
 */
const pickWinners = (run: Run, outcomes: (FileOutcome | undefined)[]): Indexed[] => {
  const { files, rows, profile } = run
  const scanned: Indexed[] = []
  for (let i = 0; i < files.length; i++) {
    const outcome = outcomes[i]
    if (!outcome) continue
    for (const k of Object.keys(outcome.times) as (keyof ScanTimes)[])
      profile.stages[k] += outcome.times[k]
    // What the run keeps of a file from here on: its scan and where its parsed form is.
    outcomes[i] = undefined
    if (outcome.ok) scanned.push({ ...outcome.scan, index: i, parsed: outcome.parsed })
    else rows[i] = { file: files[i], status: outcome.status, reason: outcome.reason, warnings: [] }
  }
  const byUrl = new Map<string, Indexed[]>()
  for (const s of scanned) {
    if (!s.sourceUrl) continue
    const group = byUrl.get(s.sourceUrl)
    if (group) group.push(s)
    else byUrl.set(s.sourceUrl, [s])
  }
  for (const group of byUrl.values()) {
    if (group.length < 2) continue
    group.sort(newer)
    for (const loser of group.slice(1)) {
      rows[loser.index] = {
        file: loser.file,
        status: 'duplicate',
        sourceUrl: loser.sourceUrl,
        reason: `same URL as "${group[0].file}", which was kept (${why(group[0], loser)})`,
        warnings: [],
      }
    }
  }
  for (let i = 0; i < files.length; i++) if (rows[i]) run.progress.add(true)
  run.progress.report()
  return scanned.filter((s) => !rows[s.index])
}

/** Posts are looked up by the winners' keys, this many at a time ahead of planning. */
const LOOKUP_CHUNK = 500

/**
 * Stage 3: the winners transformed on the pool's threads, a bounded number ahead, while this thread
 * writes them through the sink in file order; then the sink's last batch.
 */
const writeWinners = async (run: Run, winners: Indexed[]) => {
  const { payload, sink, pool, rows, profile, signal } = run
  const ahead = pool.threads ? pool.threads * 8 : 1
  const indexOf = new Map(winners.map((w) => [w.file, w.index]))
  const queue: Job[] = []
  let next = 0
  // Indexed queries for these URLs only (src/store/lookup.ts).
  const submit = async () => {
    while (queue.length < ahead && next < winners.length) {
      if (next % LOOKUP_CHUNK === 0) {
        const urls = winners
          .slice(next, next + LOOKUP_CHUNK)
          .flatMap((w) => (w.sourceUrl && sink.needsLookup(w.sourceUrl, w.hash) ? w.sourceUrl : []))
        // An archive file's plan needs no feed keys (`planPost`).
        if (urls.length) await sink.lookup({ archiveKeys: urls }, { feedKeys: false })
      }
      const s = winners[next++]
      // One winner per URL: writing the posts before it never changes this one's plan.
      const plan: PostPlan = s.sourceUrl ? sink.plan(s.sourceUrl, s.hash) : { action: 'create' }
      const job: Job = { s, plan }
      if ((plan.action === 'create' || plan.action === 'update') && s.parsed) {
        job.transformed = pool.transform(s.parsed, s.hash)
        job.transformed.catch(() => undefined) // reported in its turn, below
      }
      queue.push(job)
    }
  }
  for (await submit(); queue.length && !signal?.aborted; await submit()) {
    const job = queue.shift()!
    try {
      rows[job.s.index] = await writeOne(job, sink, profile)
    } catch (err) {
      payload.logger.error({ err, msg: `import: ${job.s.file} failed` })
      const { file, sourceUrl } = job.s
      rows[job.s.index] = {
        file,
        status: 'failed',
        sourceUrl,
        reason: (err as Error).message,
        warnings: [],
      }
    }
    correctRewritten(run, indexOf)
    run.progress.add()
    // One yield per file keeps the heap flat: a loop of awaits that never yields lets jsdom's weak
    // references keep every document alive (~2 MB a post; the heap ran out after ~2,800 posts).
    await yieldToLoop()
  }
  const beforeFinish = performance.now()
  await sink.finish()
  correctRewritten(run, indexOf)
  profile.stages.commit = performance.now() - beforeFinish
}

/**
 * Rows of files whose batch the database refused and the store wrote again one at a time
 * (src/store/writer.ts `rewriteBatch`): each gets its post's id now, or `failed` with the database's
 * reason. No file of a refused batch stays reported as written when it is not.
 */
const correctRewritten = ({ sink, rows, payload }: Run, indexOf: Map<string, number>) => {
  for (const r of sink.takeRewritten()) {
    const index = indexOf.get(r.draft.file)
    const row = index === undefined ? undefined : rows[index]
    if (index === undefined || !row) continue
    if ('id' in r) {
      rows[index] = { ...row, id: r.id }
      continue
    }
    payload.logger.error({ err: r.error, msg: `import: ${row.file} failed` })
    rows[index] = {
      file: row.file,
      status: 'failed',
      sourceUrl: row.sourceUrl,
      reason: `not written, the database refused it: ${r.error.message}`,
      warnings: row.warnings ?? [],
    }
  }
}

/** A `skipped` row for every file no stage decided (the run was aborted first). */
const markUnprocessed = ({ files, rows, signal }: Run) => {
  for (let i = 0; i < files.length; i++) {
    if (!rows[i]) {
      rows[i] = {
        file: files[i],
        status: 'skipped',
        reason: signal?.aborted ? 'import aborted before this file' : 'not processed',
        warnings: [],
      }
    }
  }
}

/** The run's report: its summary, every row, what it created, where the time went. */
const reportOf = (
  { files, rows, sink, profile }: Run,
  { dryRun, runId, started }: { dryRun: boolean; runId: string; started: Date },
): ImportReport => {
  const final = rows as ImportRow[]
  const count = (s: RowStatus) => final.filter((r) => r.status === s).length
  const finished = new Date()
  return {
    summary: {
      files: files.length,
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      duplicate: count('duplicate'),
      conflict: count('conflict'),
      failed: count('failed'),
      skipped: count('skipped'),
      flagged: final.filter((r) => r.flagged).length,
      dryRun,
      sink: sink.kind,
      runId,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    },
    rows: final,
    created: dryRun
      ? { posts: [], media: [], sources: [], authors: [], categories: [] }
      : sink.created,
    profile,
  }
}

/** Spill folders are `<tmp>/newsroom-import-drafts-<pid>-<random>`. */
const SPILL_PREFIX = 'newsroom-import-drafts-'

/** True while a process with this id runs. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the spill folders of runs whose process died (`kill -9` leaves them behind: the parsed
 * files of a whole archive, about as large as the archive).
 */
const removeAbandonedSpills = (payload: Payload) => {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(SPILL_PREFIX)) continue
    const pid = Number(name.slice(SPILL_PREFIX.length).split('-')[0])
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true })
    } catch (err) {
      payload.logger.error({
        err,
        msg: `import: could not remove the abandoned spill folder ${name}`,
      })
    }
  }
}

const noTimes = (): ScanTimes => ({ read: 0, parse: 0, spill: 0 })

/** A winner on its way to the sink: its plan, and its transform when the plan is a write. */
type Job = { s: Indexed; plan: PostPlan; transformed?: Promise<TransformOutcome> }

/** The row of one winning file: unchanged or conflict as planned, else its draft written. */
const writeOne = async (
  { s, plan, transformed }: Job,
  sink: ImportSink,
  profile: ImportProfile,
): Promise<ImportRow> => {
  if (plan.action === 'unchanged' || plan.action === 'conflict') {
    return {
      file: s.file,
      status: plan.action,
      id: plan.existing.id,
      sourceUrl: s.sourceUrl,
      reason: plan.action === 'conflict' ? plan.reason : undefined,
      warnings: [],
    }
  }
  // Only files whose hash the database holds go unspilled, and their plan is never a write.
  if (!transformed)
    throw new Error(`no parsed form of "${s.file}" to transform (plan: ${plan.action})`)
  const { result, times } = await transformed
  profile.stages.unspill += times.unspill
  profile.stages.transform += times.transform
  if (!result.ok) {
    return { file: s.file, status: 'failed', reason: result.reason, warnings: result.warnings }
  }
  const { draft } = result
  const t = performance.now()
  const { id } = await sink.write(draft, plan)
  profile.stages.write += performance.now() - t
  return {
    file: draft.file,
    status: plan.action === 'create' ? 'created' : 'updated',
    id,
    sourceUrl: draft.sourceUrl,
    reason: plan.action === 'update' ? plan.repair : undefined,
    warnings: draft.warnings,
    fidelity: draft.fidelity,
    flagged: draft.flagged,
  }
}

export { parseFile } from './parse'
export { transform } from './transform'
export { normaliseUrl } from './url'
