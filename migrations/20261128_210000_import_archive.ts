import type { MigrateDownArgs, MigrateUpArgs } from '@payloadcms/db-sqlite'

import { processShutdown } from '../src/lib/processGuards'
import { runImport } from '../src/importer'
import { resolveArchiveDir } from '../src/importer/task'
import { settings } from '../src/config'

/** The run id of this migration's import: its posts carry it in provenance.importRun. */
export const MIGRATION_IMPORT_RUN = 'migration-20261128_210000_import_archive'

/**
 * Imports the archive at ARCHIVE_DIR (a no-op with a log line when unset) through the importer,
 * inside the migration's transaction, and records what it created in an `import-runs` doc.
 */
export async function up({ payload, req }: MigrateUpArgs): Promise<void> {
  const dir = settings().archiveDir
  if (!dir) {
    payload.logger.info('import_archive migration: ARCHIVE_DIR is not set, nothing imported.')
    return
  }
  // Resolved like the server's import job: a clear error when ARCHIVE_DIR is not a readable folder.
  const archiveDir = resolveArchiveDir(undefined, dir)
  // A SIGTERM while the server starts stops the import, and the process then exits 0 with this
  // migration not recorded: the next start runs it again, finding what this run stored unchanged.
  // (A migration that throws makes Payload exit 1.)
  const shutdown = processShutdown()
  const report = await runImport({
    payload,
    dir: archiveDir,
    runId: MIGRATION_IMPORT_RUN,
    req,
    signal: shutdown?.signal,
  })
  if (shutdown?.signal.aborted) {
    payload.logger.info(
      'import_archive migration: stopped by the shutdown; the next start resumes it',
    )
    await shutdown.abandon(
      shutdown.signal.reason,
      (m) => m,
      () => payload.destroy(),
    )
  }
  const s = report.summary
  await payload.create({
    collection: 'import-runs',
    data: {
      runId: MIGRATION_IMPORT_RUN,
      status: 'completed',
      archiveDir,
      dryRun: false,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      summary: s,
      created: report.created,
      report: report.rows,
    },
    overrideAccess: true,
    req,
  } as never)
  payload.logger.info(
    `import_archive migration: ${s.files} files, ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.duplicate} duplicate, ${s.failed} failed`,
  )
}

/** Removes exactly the posts, media, sources, authors and categories that `up` created. */
export async function down({ payload, req }: MigrateDownArgs): Promise<void> {
  const { docs } = await payload.find({
    collection: 'import-runs',
    where: { runId: { equals: MIGRATION_IMPORT_RUN } },
    limit: 100,
    overrideAccess: true,
    req,
  } as never)
  const order = ['posts', 'media', 'authors', 'categories', 'sources'] as const
  for (const run of docs as {
    id: number | string
    created?: Partial<Record<(typeof order)[number], (number | string)[]>>
  }[]) {
    for (const collection of order) {
      const ids = run.created?.[collection] ?? []
      for (let i = 0; i < ids.length; i += 500) {
        await payload.delete({
          collection,
          where: { id: { in: ids.slice(i, i + 500) } },
          overrideAccess: true,
          req,
        } as never)
      }
    }
    await payload.delete({
      collection: 'import-runs',
      id: run.id,
      overrideAccess: true,
      req,
    } as never)
  }
}
