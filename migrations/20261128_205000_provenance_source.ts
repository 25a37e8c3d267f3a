// Posts keep the archive document they were made from (provenance.source), which `npm run export`
// writes back. Named before import_archive so a fresh database has the column before that import.
import { sql, type MigrateDownArgs, type MigrateUpArgs } from '@payloadcms/db-sqlite'

export async function up({ db }: MigrateUpArgs): Promise<void> {
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_source\` text;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_source\` text;`)
}

export async function down({ db }: MigrateDownArgs): Promise<void> {
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_source\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_source\`;`)
}
