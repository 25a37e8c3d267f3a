import fs from 'node:fs'
import path from 'node:path'

import type { RequestHandler } from 'express'
import type { Payload } from 'payload'

/**
 * `GET /api/<upload collection>/file/<name>` for a file that is not on the disk answers 404. Payload
 * answers it with a 500 and logs an error ("missing on the disk"): a reader asking for a name that
 * does not exist is not a fault of the server. Only for upload collections that keep their files on
 * the local disk (a storage adapter such as S3 serves its own); a name that leaves the folder is left
 * to Payload, which refuses it. Mounted at the API route.
 */
export const missingUploadsAsNotFound = (payload: Payload): RequestHandler => {
  const folders = new Map<string, string>()
  for (const { config } of Object.values(payload.collections)) {
    const upload = config.upload
    if (!upload || upload.disableLocalStorage) continue
    const dir = upload.staticDir || config.slug
    folders.set(config.slug, path.isAbsolute(dir) ? dir : path.resolve(dir))
  }
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next()
    const match = /^\/([^/]+)\/file\/([^/]+)$/.exec(req.path)
    const folder = match ? folders.get(match[1]) : undefined
    if (!match || !folder) return next()
    let name: string
    try {
      name = decodeURIComponent(match[2])
    } catch {
      return next()
    }
    const file = path.resolve(folder, name)
    if (path.dirname(file) !== folder) return next()
    fs.promises.access(file).then(
      () => next(),
      () =>
        res.status(404).json({ errors: [{ message: `Not found: there is no file "${name}".` }] }),
    )
  }
}
