import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'

import { parseArchiveDate } from './dates'
import { parseFile } from './parse'
import { readArchiveEntry, RefusedFile, type ArchiveEntry } from './read'
import { contentHashOf, transform, type TransformResult } from './transform'
import { normaliseUrl } from './url'

/**
 * One archive file, read, parsed and transformed once: what the run needs to decide duplicates and
 * unchanged files (its identity, crawl time, hash), and, when the file has to be written, its draft.
 * Drafts wait in a spill file, not in memory, until every file's identity is known (which file of a
 * URL wins needs all of them); 64k drafts would not fit in memory, 64k identities do.
 * Pure apart from the spill: runs in a worker thread as well as in the main one.
 */

/** What the run keeps per file. */
export type Scanned = {
  file: string
  sourceUrl?: string
  crawl: number
  stamp: number
  size: number
  hash: string
}

/** Where a serialized transform result is in a spill file. */
export type SpillRef = { path: string; offset: number; length: number }

/** Milliseconds spent per stage (summed over files). */
export type StageTimes = { read: number; parse: number; transform: number; spill: number }

export type FileOutcome =
  | {
      ok: false
      file: string
      /** `skipped`: a file the importer does not read (a link out of the archive); else `failed`. */
      status: 'failed' | 'skipped'
      reason: string
      times: StageTimes
    }
  | {
      ok: true
      scan: Scanned
      /** The transform result: absent when the file's hash is one the database already holds. */
      result?: SpillRef
      times: StageTimes
    }

/**
 * An append-only file of serialized values, written by one thread, read by any. It holds no open
 * descriptor between writes: a worker thread's descriptors belong to the process and would outlive it.
 */
export class Spill {
  private offset = 0

  constructor(readonly path: string) {
    fs.writeFileSync(path, '')
  }

  write(value: unknown): SpillRef {
    const buf = v8.serialize(value)
    fs.appendFileSync(this.path, buf)
    const ref = { path: this.path, offset: this.offset, length: buf.length }
    this.offset += buf.length
    return ref
  }
}

/** Reads values back from spill files (one descriptor per file). */
export class SpillReader {
  private fds = new Map<string, number>()

  read<T>(ref: SpillRef): T {
    let fd = this.fds.get(ref.path)
    if (fd == null) this.fds.set(ref.path, (fd = fs.openSync(ref.path, 'r')))
    const buf = Buffer.allocUnsafe(ref.length)
    fs.readSync(fd, buf, 0, ref.length, ref.offset)
    return v8.deserialize(buf) as T
  }

  close() {
    for (const fd of this.fds.values()) fs.closeSync(fd)
    this.fds.clear()
  }
}

/**
 * Reads, parses and (unless its hash is in `known`: the database holds this very file already)
 * transforms one file; the transform result goes to `spill`. `reading`: the file's read (see
 * readArchiveEntry; `limit` is the run's IMPORT_MAX_FILE_BYTES), started earlier so that it
 * overlapped other work (its `read` time is then only the wait for it).
 */
export const processFile = async (
  dir: string,
  file: string,
  known: ReadonlySet<string>,
  spill: Spill,
  limit: number,
  reading: Promise<ArchiveEntry> = readArchiveEntry(dir, file, limit),
): Promise<FileOutcome> => {
  const times: StageTimes = { read: 0, parse: 0, transform: 0, spill: 0 }
  let t = performance.now()
  const lap = (stage: keyof StageTimes) => {
    const now = performance.now()
    times[stage] += now - t
    t = now
  }
  let raw: string
  let parsed: ReturnType<typeof parseFile>
  try {
    const entry = await reading
    raw = entry.raw
    lap('read')
    parsed = parseFile(raw, file, entry.warnings)
    lap('parse')
  } catch (err) {
    if (err instanceof RefusedFile) {
      return { ok: false, file, status: err.status, reason: err.message, times }
    }
    return {
      ok: false,
      file,
      status: 'failed',
      reason: `unreadable: ${(err as Error).message}`,
      times,
    }
  }
  const hash = contentHashOf(raw)
  const scan: Scanned = {
    file,
    sourceUrl: normaliseUrl(parsed.url) ?? normaliseUrl(parsed.linkUrl),
    crawl:
      parseArchiveDate(parsed.rawDate)?.getTime() ??
      parseArchiveDate(parsed.fileDate)?.getTime() ??
      0,
    stamp: Number.isFinite(parsed.feedTimestamp) ? (parsed.feedTimestamp as number) : 0,
    size: raw.length,
    hash,
  }
  lap('parse')
  if (known.has(hash)) return { ok: true, scan, times }
  let result: TransformResult
  try {
    result = transform(parsed, raw)
  } catch (err) {
    result = { ok: false, reason: `transform failed: ${(err as Error).message}`, warnings: [] }
  }
  lap('transform')
  const ref = spill.write(result)
  lap('spill')
  return { ok: true, scan, result: ref, times }
}
