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

/** Reads one archive file as UTF-8 text. */
export const readArchiveFile = (dir: string, file: string): Promise<string> =>
  fs.promises.readFile(path.join(dir, file), 'utf8')
