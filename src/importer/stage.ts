import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'

import { documentOfPost, parseArchiveDate } from '../archive'
import { parseFile, type ParsedFile } from './parse'
import { readArchiveEntry, RefusedFile } from './read'
import { sourceHashOf, transformParsed, type TransformResult } from './transform'
import { normaliseUrl } from './url'

/**
 * The importer's two stages of work on one archive file, each done once, on any thread (pure apart
 * from the spill file):
 *
 * 1. `scanFile` reads and parses it: what the run needs to decide duplicates and unchanged files (its
 *    identity, crawl time, hash); the parsed file waits in a spill file, not in memory, until every
 *    file's identity is known (which file of a URL wins needs all of them; 64k parsed files would
 *    not fit in memory, 64k identities do).
 * 2. `transformSpilled` turns a winner's parsed file into its post draft, while the run writes the
 *    drafts before it.
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

/** Where a serialized value is in a spill file. */
export type SpillRef = { path: string; offset: number; length: number }

/** Milliseconds spent per stage (summed over files). */
export type ScanTimes = { read: number; parse: number; spill: number }
export type TransformTimes = { unspill: number; transform: number }

export type FileOutcome =
  | {
      ok: false
      file: string
      /** `skipped`: a file the importer does not read (a link out of the archive); else `failed`. */
      status: 'failed' | 'skipped'
      reason: string
      times: ScanTimes
    }
  | {
      ok: true
      scan: Scanned
      /** The parsed file: absent when the file's hash is one the database already holds. */
      parsed?: SpillRef
      times: ScanTimes
    }

export type TransformOutcome = { result: TransformResult; times: TransformTimes }

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

/** Reads one value back from a spill file (opened and closed here, for the reason above). */
export const readSpilled = <T>(ref: SpillRef): T => {
  const fd = fs.openSync(ref.path, 'r')
  try {
    const buf = Buffer.allocUnsafe(ref.length)
    const got = fs.readSync(fd, buf, 0, ref.length, ref.offset)
    if (got !== ref.length)
      throw new Error(
        `spill file ${ref.path} ends at ${ref.offset + got}, not ${ref.offset + ref.length}`,
      )
    return v8.deserialize(buf) as T
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Reads and parses one file; unless its hash is in `known` (the database holds this very file
 * already), its parsed form goes to `spill` for `transformSpilled`. `limit` is the run's
 * IMPORT_MAX_FILE_BYTES.
 */
export const scanFile = (
  dir: string,
  file: string,
  known: ReadonlySet<string>,
  spill: Spill,
  limit: number,
): FileOutcome => {
  const times: ScanTimes = { read: 0, parse: 0, spill: 0 }
  let t = performance.now()
  const lap = (stage: keyof ScanTimes) => {
    const now = performance.now()
    times[stage] += now - t
    t = now
  }
  let raw: string
  let parsed: ParsedFile
  try {
    const entry = readArchiveEntry(dir, file, limit)
    raw = entry.raw
    lap('read')
    parsed = parseFile(raw, file, entry.warnings)
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
  const hash = sourceHashOf(documentOfPost(parsed))
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
  const ref = spill.write(parsed)
  lap('spill')
  return { ok: true, scan, parsed: ref, times }
}

/** The draft of a scanned file (`hash`: its scan's), from its spilled parsed form. */
export const transformSpilled = (ref: SpillRef, hash: string): TransformOutcome => {
  let t = performance.now()
  const parsed = readSpilled<ParsedFile>(ref)
  const unspill = performance.now() - t
  t = performance.now()
  let result: TransformResult
  try {
    result = transformParsed(parsed, hash)
  } catch (err) {
    result = { ok: false, reason: `transform failed: ${(err as Error).message}`, warnings: [] }
  }
  return { result, times: { unspill, transform: performance.now() - t } }
}

/** `transformParsed` of a document handed over whole (a feed item): a throw becomes its failure. */
export const transformItem = (parsed: ParsedFile, hash: string): TransformResult => {
  try {
    return transformParsed(parsed, hash)
  } catch (err) {
    return { ok: false, reason: `transform failed: ${(err as Error).message}`, warnings: [] }
  }
}
