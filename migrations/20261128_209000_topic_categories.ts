import { sql, type MigrateDownArgs, type MigrateUpArgs } from '@payloadcms/db-sqlite'

import { GENERIC_LABELS } from '../src/importer/transform'
import { migrateOutletCategories } from '../src/store/outletCategories'

/**
 * Imported posts keep topics as categories, not their outlet's name (src/store/outletCategories.ts).
 * Before the data migration (import_archive) by name: on a fresh database there is nothing to change.
 */
export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await migrateOutletCategories(
    payload,
    req,
    async (statement) => (await db.all(sql.raw(statement))) as Array<Record<string, unknown>>,
    GENERIC_LABELS,
  )
}

/** The removed relations are not restored: the outlet is the post's source. */
export async function down({ payload }: MigrateDownArgs): Promise<void> {
  payload.logger.info('topic_categories migration down: nothing to undo (posts keep their source)')
}
