import { isUtf8 } from 'node:buffer'
import fs from 'node:fs'
import path from 'node:path'

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
  const raw = process.env.IMPORT_MAX_FILE_BYTES?.trim()
  if (!raw) return DEFAULT_MAX_FILE_BYTES
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(
      `IMPORT_MAX_FILE_BYTES must be a positive whole number of bytes (default ${DEFAULT_MAX_FILE_BYTES}), got "${raw}"`,
    )
  }
  return n
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
 * Where a file of the archive really is. A symbolic link is followed only to a regular file inside the
 * archive folder: one that points outside it (an archive unpacked from elsewhere can carry a link to
 * `/etc/passwd` or to another user's files) or to a folder is refused, never read.
 */
const resolveInside = async (dir: string, file: string): Promise<string> => {
  const full = path.join(dir, file)
  const stat = await fs.promises.lstat(full)
  if (!stat.isSymbolicLink()) return full
  const target = await fs.promises.readlink(full)
  let real: string
  try {
    real = await fs.promises.realpath(full)
  } catch {
    throw new RefusedFile('skipped', `symbolic link to "${target}", which does not exist: not read`)
  }
  if (!isInside(await fs.promises.realpath(dir), real)) {
    throw new RefusedFile(
      'skipped',
      `symbolic link to "${target}", outside the archive folder: not followed`,
    )
  }
  if (!(await fs.promises.stat(real)).isFile()) {
    throw new RefusedFile('skipped', `symbolic link to "${target}", not a file: not followed`)
  }
  return real
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
 */
export const readArchiveEntry = async (
  dir: string,
  file: string,
  limit = maxFileBytes(),
): Promise<ArchiveEntry> => {
  const handle = await fs.promises.open(await resolveInside(dir, file), 'r')
  try {
    const bytes = (await handle.stat()).size
    if (bytes > limit) {
      throw new RefusedFile(
        'failed',
        `file is ${size(bytes)} (${bytes} bytes), over the ${size(limit)} limit (IMPORT_MAX_FILE_BYTES): not imported`,
      )
    }
    const content = await handle.readFile()
    const raw = content.toString('utf8')
    const bad = firstInvalidUtf8(content, raw)
    const warnings =
      bad === undefined
        ? []
        : [`invalid UTF-8 at byte ${bad}: undecodable bytes were replaced with U+FFFD (�)`]
    return { raw, warnings }
  } finally {
    await handle.close()
  }
}
