import fs from 'node:fs'
import path from 'node:path'

/**
 * Every file under `dir`, recursively, as paths relative to it (any name: newlines, backslashes,
 * control characters, trailing spaces — Node's fs hands them over unchanged), in a stable order.
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

/**
 * Reads one archive file as UTF-8 text. A symbolic link is followed only to a file inside the
 * archive: one that leads elsewhere (`/etc/passwd`) fails, and the file's report row says why.
 * (Folders are only entered when they are real folders, so only the file itself can be a link.)
 */
export const readArchiveFile = async (dir: string, file: string): Promise<string> => {
  const full = path.join(dir, file)
  if ((await fs.promises.lstat(full)).isSymbolicLink()) {
    const [root, target] = await Promise.all([
      fs.promises.realpath(dir),
      fs.promises.realpath(full),
    ])
    const relative = path.relative(root, target)
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error('is a link to a file outside the archive; not read')
    }
  }
  return fs.promises.readFile(full, 'utf8')
}
