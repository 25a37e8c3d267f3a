import path from 'node:path'
import { fileURLToPath } from 'node:url'

import type { Payload } from 'payload'

import { runImport } from '../importer'

/** The project's own small example archive, in the real archive's format. */
export const EXAMPLE_ARCHIVE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/archive',
)

/**
 * Loads the bundled example archive through the real importer. Idempotent: a restart finds every
 * post unchanged and writes nothing.
 */
export const seedExampleArchive = async (payload: Payload, dir = EXAMPLE_ARCHIVE_DIR) => {
  const report = await runImport({ payload, dir, status: 'published', runId: 'example-archive' })
  const s = report.summary
  payload.logger.info(
    `Example archive ${dir}: ${s.files} files, ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.duplicate} duplicate, ${s.failed} failed`,
  )
  return report
}
