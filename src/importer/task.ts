import fs from 'node:fs'
import path from 'node:path'

import type { Payload, TaskConfig } from 'payload'

import { optimizeDatabase } from '../store/optimizeDatabase'
import { runImport, type ImportOptions, type ImportReport } from './index'
import { settings } from '../config'
import { IMPORT_RUNS } from '../lib/slugs'

export type TrackedImportOptions = {
  payload: Payload
  dir: string
  status?: 'draft' | 'published'
  dryRun?: boolean
  runId?: string
  concurrency?: number
  /** The write path. @default chosen by the adapter (see ./sinks) */
  sink?: ImportOptions['sink']
  onProgress?: (done: number, total: number) => void
  signal?: AbortSignal
}

/** A running import writes its progress every few seconds; one silent this long has died. */
export const STALE_RUN_MS = 10 * 60 * 1000

/**
 * Marks `running` import runs that stopped reporting progress long ago as failed: their process died
 * (killed, crashed, the server restarted), and a run left `running` keeps the admin's import button
 * disabled. What they wrote is kept; the next run completes it.
 */
export const closeAbandonedRuns = async (payload: Payload, now = Date.now()) => {
  const stale = await payload.find({
    collection: IMPORT_RUNS,
    where: {
      and: [
        { status: { equals: 'running' } },
        { updatedAt: { less_than: new Date(now - STALE_RUN_MS).toISOString() } },
      ],
    },
    limit: 100,
    depth: 0,
    overrideAccess: true,
  })
  for (const run of stale.docs) {
    await payload.update({
      collection: IMPORT_RUNS,
      id: run.id,
      data: {
        status: 'failed',
        finishedAt: new Date(now).toISOString(),
        error: `interrupted: no progress since ${String(run.updatedAt)} (the process ended before the run finished; the next run completes what it wrote)`,
      },
      overrideAccess: true,
    })
  }
  return stale.docs.length
}

/**
 * Writes a run's progress only while it is `running`: one conditional statement (as the job leases
 * in src/jobs/leases.ts), so a progress write can never overwrite a run's final state, nor a run that
 * `closeAbandonedRuns` closed. Only the progress columns are written, not a re-read copy of the doc.
 */
export const recordProgress = async (
  payload: Payload,
  id: number | string,
  done: number,
  total: number,
): Promise<boolean> =>
  Boolean(
    await payload.db.updateOne({
      collection: 'import-runs',
      where: { and: [{ id: { equals: id } }, { status: { equals: 'running' } }] },
      data: { progress: { done, total }, updatedAt: new Date().toISOString() },
      options:
        payload.db.name === 'mongoose' ? undefined : ({ atomic: true } as Record<string, unknown>),
    }),
  )

/**
 * Runs an import and records it as an `import-runs` doc: running with progress, then completed (with
 * the summary and report) or failed (with the error). Runs an earlier process left `running` are
 * closed first.
 */
export const runTrackedImport = async ({
  payload,
  dir,
  status,
  dryRun = false,
  runId,
  concurrency,
  sink,
  onProgress,
  signal,
}: TrackedImportOptions): Promise<{
  importRunId: number | string
  report: ImportReport
}> => {
  const archiveDir = path.resolve(dir)
  await closeAbandonedRuns(payload)
  const run = await payload.create({
    collection: IMPORT_RUNS,
    data: { runId, status: 'running', archiveDir, dryRun, startedAt: new Date().toISOString() },
    overrideAccess: true,
  })
  let lastWrite = 0
  // Progress writes run one after another, and the final state waits for them: on a pooled database
  // (PostgreSQL) an unawaited write could land after `completed` and put the run back to `running`.
  let progressWrites: Promise<void> = Promise.resolve()
  const writeProgress = async (done: number, total: number) => {
    try {
      await recordProgress(payload, run.id, done, total)
    } catch (err) {
      payload.logger.error({ err, msg: 'import: progress update failed' })
    }
  }
  try {
    const report = await runImport({
      payload,
      dir: archiveDir,
      status,
      dryRun,
      runId: runId ?? `run-${run.id}`,
      concurrency,
      sink,
      signal,
      onProgress: (done, total) => {
        onProgress?.(done, total)
        // Throttled: progress is for people watching the dashboard, not a per-file write.
        if (Date.now() - lastWrite < 2000 && done < total) return
        lastWrite = Date.now()
        progressWrites = progressWrites.then(() => writeProgress(done, total))
      },
    })
    await progressWrites
    await recordCompleted(payload, run.id, report)
    return { importRunId: run.id, report }
  } catch (err) {
    await progressWrites
    await payload.update({
      collection: IMPORT_RUNS,
      id: run.id,
      data: {
        status: 'failed',
        finishedAt: new Date().toISOString(),
        error: (err as Error).stack ?? String(err),
      },
      overrideAccess: true,
    })
    throw err
  }
}

/**
 * A run that ended: readers' query plans refreshed after an import that grew the posts (PostgreSQL,
 * SQLite), then the run's row `completed` with its summary, report and what it created.
 */
const recordCompleted = async (payload: Payload, id: number | string, report: ImportReport) => {
  if (!report.summary.dryRun && report.summary.created > 0) {
    const { ran, ms } = await optimizeDatabase(payload)
    if (ran !== 'nothing') payload.logger.info(`import: ${ran} after the import (${ms} ms)`)
  }
  await payload.update({
    collection: IMPORT_RUNS,
    id,
    data: {
      runId: report.summary.runId,
      status: 'completed',
      finishedAt: report.summary.finishedAt,
      progress: { done: report.summary.files, total: report.summary.files },
      summary: report.summary,
      report: report.rows,
      created: report.created,
    },
    overrideAccess: true,
  })
}

/** Why a folder may not be imported from the server: a message that names the fix. */
export class ArchiveDirError extends Error {
  override name = 'ArchiveDirError'
}

/**
 * The folder the server may import from: `ARCHIVE_DIR`, or `requested` when it lies inside it.
 * Both are resolved with `realpath`, so neither `..` nor a symbolic link leads out of the archive.
 * A relative `requested` is taken relative to `ARCHIVE_DIR`. Anything else throws `ArchiveDirError`:
 * the server never reads an arbitrary folder because a job or a request named it (the CLI, run by
 * whoever has a shell on the machine, imports any folder it is given).
 */
export const resolveArchiveDir = (
  requested?: string | null,
  archiveDir: string | undefined = settings().archiveDir,
): string => {
  if (!archiveDir) {
    throw new ArchiveDirError(
      'No archive to import: set ARCHIVE_DIR on the server to the folder of the Jekyll archive.',
    )
  }
  let root: string
  try {
    root = fs.realpathSync(path.resolve(archiveDir))
  } catch (err) {
    throw new ArchiveDirError(
      `ARCHIVE_DIR "${archiveDir}" cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); point it at the archive folder.`,
    )
  }
  if (!fs.statSync(root).isDirectory()) {
    throw new ArchiveDirError(
      `ARCHIVE_DIR "${archiveDir}" is not a folder; point it at the archive folder.`,
    )
  }
  if (requested == null || requested === '') return root
  let target: string
  try {
    target = fs.realpathSync(path.resolve(root, requested))
  } catch {
    throw new ArchiveDirError(`"${requested}" is not a folder inside ARCHIVE_DIR.`)
  }
  const relative = path.relative(root, target)
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new ArchiveDirError(
      `"${requested}" is outside ARCHIVE_DIR; the server imports only ARCHIVE_DIR and the folders under it.`,
    )
  }
  if (!fs.statSync(target).isDirectory()) {
    throw new ArchiveDirError(`"${requested}" is not a folder inside ARCHIVE_DIR.`)
  }
  return target
}

/**
 * The jobs task `importArchive`: imports ARCHIVE_DIR on the server, or `input.dir` when that is a
 * folder inside it (see `resolveArchiveDir`).
 */
export const importArchiveTask = {
  slug: 'importArchive',
  label: 'Import the Jekyll archive',
  retries: 0,
  inputSchema: [
    { name: 'dir', type: 'text' },
    { name: 'status', type: 'select', options: ['draft', 'published'] },
    { name: 'dryRun', type: 'checkbox' },
  ],
  outputSchema: [
    { name: 'importRunId', type: 'text' },
    { name: 'summary', type: 'json' },
  ],
  handler: async ({
    input,
    req,
  }: {
    input?: { dir?: string; status?: string; dryRun?: boolean }
    req: { payload: Payload }
  }) => {
    const dir = resolveArchiveDir(input?.dir)
    const { importRunId, report } = await runTrackedImport({
      payload: req.payload,
      dir,
      status: (input?.status as 'draft' | 'published' | undefined) ?? 'published',
      dryRun: Boolean(input?.dryRun),
    })
    return { output: { importRunId: String(importRunId), summary: report.summary } }
  },
} as unknown as TaskConfig
