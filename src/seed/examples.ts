import path from 'node:path'
import { fileURLToPath } from 'node:url'

import type { Payload } from 'payload'

import { runImport } from '../importer'
import { POSTS } from '../lib/slugs'

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

/**
 * Whether `npm start` imports the examples (`SEED_EXAMPLES`): by default (`empty`) only into a
 * database without posts, so ten demo posts never land on page 1 of a real newsroom's archive;
 * `true` always, `false` never.
 */
export const shouldSeedExamples = async (
  payload: Payload,
  setting: 'empty' | boolean,
): Promise<boolean> => {
  if (setting !== 'empty') return setting
  const { totalDocs } = await payload.count({ collection: POSTS, overrideAccess: true })
  if (totalDocs > 0) {
    payload.logger.info(
      `Example archive not imported: the database has ${totalDocs} posts (SEED_EXAMPLES=true imports it anyway)`,
    )
  }
  return totalDocs === 0
}
