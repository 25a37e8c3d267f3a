import { randomUUID } from 'node:crypto'

import type { Payload, PayloadRequest } from 'payload'

import { needsReview } from '../../collections/Posts/derive'
import { parseArchiveDate } from './dates'
import { TransformPool } from './pool'
import { parseFile } from './parse'
import { listArchiveFiles, readArchiveFile } from './read'
import { chooseSink, type ImportSink, type SinkKind } from './sinks'
import { contentHashOf, transform } from './transform'
import { normaliseUrl } from './url'

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
    /** The write path of the run (src/importer/sinks). */
    sink: SinkKind
    runId: string
    startedAt: string
    finishedAt: string
    durationMs: number
  }
  rows: ImportRow[]
  /** Ids of the docs this run created, per collection (empty on a dry run). */
  created: ImportSink['created']
}

export type ImportOptions = {
  payload: Payload
  /** The archive folder (searched recursively). */
  dir: string
  /** Status of imported posts. @default 'published' */
  status?: 'draft' | 'published'
  /** Parse and transform everything, write nothing. @default false */
  dryRun?: boolean
  /** Threads: N - 1 worker threads for read + parse + transform beside this one (1: all in this process). @default 1 */
  concurrency?: number
  /** Recorded on every post written (provenance.importRun). @default a random UUID */
  runId?: string
  onProgress?: (done: number, total: number) => void
  /** Aborting stops after the current file; what was written stays, the rest is reported skipped. */
  signal?: AbortSignal
  /** Write inside this request's transaction (used by the migration). */
  req?: PayloadRequest
  /** The write path (src/importer/sinks). @default 'sqlite-bulk' on SQLite, else 'local-api' */
  sink?: Exclude<SinkKind, 'dry-run'>
}

/** What the scan keeps per file (no bodies: 64k bodies would not fit comfortably in memory). */
type Scanned = {
  index: number
  file: string
  sourceUrl?: string
  crawl: number
  stamp: number
  size: number
  hash: string
}

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

/**
 * Imports an archive folder: read -> parse -> transform -> load. Every file ends in exactly one
 * report row; one bad file never stops the run. Re-running on an unchanged archive writes nothing.
 */
export const runImport = async (options: ImportOptions): Promise<ImportReport> => {
  const { payload, dir, dryRun = false, signal } = options
  const status = options.status ?? 'published'
  const runId = options.runId ?? randomUUID()
  const started = new Date()
  const files = listArchiveFiles(dir)
  const total = files.length
  const rows: (ImportRow | undefined)[] = new Array(total)
  // Scanning is half of the work on an unchanged archive, writing the other half.
  let done = 0
  const progress = () => options.onProgress?.(done, total)

  // 1. Scan: identity, crawl time, hash. Decides duplicates and unchanged files without a transform.
  const scanned: Scanned[] = []
  for (let i = 0; i < total; i++) {
    const file = files[i]
    try {
      const raw = await readArchiveFile(dir, file)
      const parsed = parseFile(raw, file)
      const sourceUrl = normaliseUrl(parsed.url) ?? normaliseUrl(parsed.linkUrl)
      const crawl =
        parseArchiveDate(parsed.rawDate)?.getTime() ??
        parseArchiveDate(parsed.fileDate)?.getTime() ??
        0
      const stamp = Number.isFinite(parsed.feedTimestamp) ? (parsed.feedTimestamp as number) : 0
      scanned.push({
        index: i,
        file,
        sourceUrl,
        crawl,
        stamp,
        size: raw.length,
        hash: contentHashOf(raw),
      })
    } catch (err) {
      rows[i] = {
        file,
        status: 'failed',
        reason: `unreadable: ${(err as Error).message}`,
        warnings: [],
      }
    }
    if (i % 100 === 99) await yieldToLoop()
  }

  const byUrl = new Map<string, Scanned[]>()
  for (const s of scanned) {
    if (!s.sourceUrl) continue
    const group = byUrl.get(s.sourceUrl)
    if (group) group.push(s)
    else byUrl.set(s.sourceUrl, [s])
  }
  const winners = new Set<Scanned>()
  for (const group of byUrl.values()) {
    group.sort(newer)
    winners.add(group[0])
    for (const loser of group.slice(1)) {
      rows[loser.index] = {
        file: loser.file,
        status: 'duplicate',
        sourceUrl: loser.sourceUrl,
        reason: `same URL as "${group[0].file}", which was kept (${why(group[0], loser)})`,
        warnings: [],
      }
      done++
    }
  }

  const sink = chooseSink(payload, { status, runId, req: options.req, dryRun, kind: options.sink })
  await sink.prepare()

  // 2. Transform and load each winner (and report files without a usable URL). With workers, the
  // transforms of the next few files run ahead of the load (a bounded window: memory stays flat).
  // concurrency N = N threads: the main one (scan + load) and N - 1 transform workers.
  const pool = await TransformPool.create(Math.max(1, Math.floor(options.concurrency ?? 1)) - 1)
  // Files whose post is unchanged or not the importer's to write need no transform.
  const needsTransform = (s: Scanned) => {
    const action = s.sourceUrl ? sink.plan(s.sourceUrl, s.hash).action : 'create'
    return action === 'create' || action === 'update'
  }
  const todo = scanned.filter((s) => !rows[s.index])
  const ahead = new Map<Scanned, Promise<ReturnType<typeof transform>>>()
  const window = pool.threads * 8
  let submitted = 0
  const fill = (from: number) => {
    submitted = Math.max(submitted, from)
    while (submitted < todo.length && ahead.size < window) {
      const next = todo[submitted++]
      if (!needsTransform(next)) continue
      const p = pool.run(dir, next.file)
      p.catch(() => undefined) // handled when its turn comes
      ahead.set(next, p)
    }
  }
  try {
    for (let k = 0; k < todo.length; k++) {
      const s = todo[k]
      if (signal?.aborted) break
      if (window) fill(k + 1)
      try {
        const plan = s.sourceUrl ? sink.plan(s.sourceUrl, s.hash) : { action: 'create' as const }
        if (plan.action === 'unchanged' || plan.action === 'conflict') {
          rows[s.index] = {
            file: s.file,
            status: plan.action,
            id: plan.existing.id,
            sourceUrl: s.sourceUrl,
            reason: plan.action === 'conflict' ? plan.reason : undefined,
            warnings: [],
          }
        } else {
          const p = ahead.get(s) ?? pool.run(dir, s.file)
          ahead.delete(s)
          const result = await p
          if (!result.ok) {
            rows[s.index] = {
              file: s.file,
              status: 'failed',
              reason: result.reason,
              warnings: result.warnings,
            }
          } else {
            const { draft } = result
            const { id } = await sink.write(draft, plan)
            rows[s.index] = {
              file: draft.file,
              status: plan.action === 'create' ? 'created' : 'updated',
              id,
              sourceUrl: draft.sourceUrl,
              reason: plan.action === 'update' ? plan.repair : undefined,
              warnings: draft.warnings,
              fidelity: draft.fidelity,
            }
          }
        }
      } catch (err) {
        payload.logger.error({ err, msg: `import: ${s.file} failed` })
        rows[s.index] = {
          file: s.file,
          status: 'failed',
          sourceUrl: s.sourceUrl,
          reason: (err as Error).message,
          warnings: [],
        }
      }
      done++
      progress()
      // One yield per file keeps the heap flat (see STACK.md, "Memory").
      await yieldToLoop()
    }
    await sink.finish()
  } catch (err) {
    await sink.rollback()
    throw err
  } finally {
    await pool.close()
  }

  for (let i = 0; i < total; i++) {
    if (!rows[i]) {
      rows[i] = {
        file: files[i],
        status: 'skipped',
        reason: signal?.aborted ? 'import aborted before this file' : 'not processed',
        warnings: [],
      }
    }
  }
  done = total
  progress()
  const final = rows as ImportRow[]
  const count = (s: RowStatus) => final.filter((r) => r.status === s).length
  const finished = new Date()
  return {
    summary: {
      files: total,
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      duplicate: count('duplicate'),
      conflict: count('conflict'),
      failed: count('failed'),
      skipped: count('skipped'),
      flagged: final.filter((r) => r.fidelity != null && needsReview(r.fidelity)).length,
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
  }
}

export { parseFile } from './parse'
export { transform } from './transform'
export { normaliseUrl } from './url'
