import { isUtf8 } from 'node:buffer'
import fs from 'node:fs'
import path from 'node:path'
import { settings } from '../config'

/**
 * Every file under `dir`, recursively, as paths relative to it (any name: newlines, backslashes,
 * control characters, trailing spaces — Node's fs hands them over unchanged), in a stable order.
 * Symbolic links are listed, never walked into: reading one decides what it gets (see readArchiveEntry).
 */
export const listArchiveFiles = (dir: string): string[] => {
  const out: string[] = []
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    for (const e of entries) {
      const child = rel ? path.join(rel, e.name) : e.name
      if (e.isDirectory()) walk(child)
      else if (e.isFile() || e.isSymbolicLink()) out.push(child)
    }
  }
  walk('')
  return out.sort()
}

/** The largest archive file read when `IMPORT_MAX_FILE_BYTES` is not set: 5 MB. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024

/**
 * The size limit of one archive file, from `IMPORT_MAX_FILE_BYTES` (bytes). A value that is not a
 * positive whole number throws, naming the variable, so a typo stops the import before it starts.
 */
export const maxFileBytes = (): number => {
  return settings().importMaxFileBytes
}

/** A file the importer will not read, and the row it gets: `failed` (too big) or `skipped` (a link). */
export class RefusedFile extends Error {
  constructor(
    readonly status: 'failed' | 'skipped',
    message: string,
  ) {
    super(message)
    this.name = 'RefusedFile'
  }
}

const size = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${(bytes / 1024).toFixed(1)} KB`

const isInside = (root: string, target: string) => {
  const rel = path.relative(root, target)
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel)
}

/**
 * Where a symbolic link of the archive leads. It is followed only to a regular file inside the
 * archive folder: one that points outside it (an archive unpacked from elsewhere can carry a link to
 * `/etc/passwd` or to another user's files) or to a folder is refused, never read.
 */
const resolveLink = (dir: string, full: string): string => {
  const target = fs.readlinkSync(full)
  let real: string
  try {
    real = fs.realpathSync(full)
  } catch {
    throw new RefusedFile('skipped', `symbolic link to "${target}", which does not exist: not read`)
  }
  if (!isInside(fs.realpathSync(dir), real)) {
    throw new RefusedFile(
      'skipped',
      `symbolic link to "${target}", outside the archive folder: not followed`,
    )
  }
  if (!fs.statSync(real).isFile()) {
    throw new RefusedFile('skipped', `symbolic link to "${target}", not a file: not followed`)
  }
  return real
}

/**
 * Opens an archive file for reading without following a symbolic link (O_NOFOLLOW: the open of a link
 * fails with ELOOP, and only then is the link resolved, see resolveLink). One system call for the
 * files that are files.
 */
const openEntry = (dir: string, file: string): number => {
  const full = path.join(dir, file)
  // Where the platform has no O_NOFOLLOW (Windows), the link is looked for first.
  if (fs.constants.O_NOFOLLOW === undefined)
    return fs.openSync(fs.lstatSync(full).isSymbolicLink() ? resolveLink(dir, full) : full, 'r')
  try {
    return fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err
  }
  return fs.openSync(resolveLink(dir, full), 'r')
}

/** The offset of the first byte that is not valid UTF-8 (undefined when all of it is). */
const firstInvalidUtf8 = (bytes: Buffer, text: string): number | undefined => {
  if (isUtf8(bytes)) return undefined
  // Decoding replaced invalid bytes with U+FFFD; encoding again gives the input back up to the first.
  const again = Buffer.from(text, 'utf8')
  let i = 0
  while (i < bytes.length && i < again.length && bytes[i] === again[i]) i++
  return i
}

export type ArchiveEntry = {
  raw: string
  /** What a reader of the post should know about the file itself (e.g. invalid UTF-8). */
  warnings: string[]
}

/**
 * Reads one archive file as UTF-8 text. Throws RefusedFile for a file over the size limit (checked on
 * the open file before reading it, so a huge file costs no memory) and for symbolic links it must not
 * follow. Bytes that are not UTF-8 are decoded as U+FFFD, and the entry says where the first one is.
 *
 * Synchronous: it runs in the pool's worker threads, one file at a time, where the five round trips
 * through libuv's thread pool of an asynchronous open, stat, read and close cost more than the read
 * (a third of reading and parsing the 64k archive). Inline (a run with one thread), it blocks for the
 * read of one file, at most IMPORT_MAX_FILE_BYTES.
 */
export const readArchiveEntry = (
  dir: string,
  file: string,
  limit = maxFileBytes(),
): ArchiveEntry => {
  const fd = openEntry(dir, file)
  try {
    const bytes = fs.fstatSync(fd).size
    if (bytes > limit) {
      throw new RefusedFile(
        'failed',
        `file is ${size(bytes)} (${bytes} bytes), over the ${size(limit)} limit (IMPORT_MAX_FILE_BYTES): not imported`,
      )
    }
    // As many bytes as fstat gave (a file that shrinks meanwhile is read to its end).
    const buffer = Buffer.allocUnsafe(bytes)
    let length = 0
    while (length < bytes) {
      const got = fs.readSync(fd, buffer, length, bytes - length, length)
      if (got === 0) break
      length += got
    }
    const content = buffer.subarray(0, length)
    const raw = content.toString('utf8')
    const bad = firstInvalidUtf8(content, raw)
    const warnings =
      bad === undefined
        ? []
        : [`invalid UTF-8 at byte ${bad}: undecodable bytes were replaced with U+FFFD (�)`]
    return { raw, warnings }
  } finally {
    fs.closeSync(fd)
  }
}
