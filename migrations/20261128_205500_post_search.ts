import { sql, type MigrateDownArgs, type MigrateUpArgs } from '@payloadcms/db-sqlite'

import { sqlitePostSearchDown, sqlitePostSearchUp } from '../collections/Posts/searchIndex'

/** The posts' search box on a trigram index: FTS5 tables and their triggers (collections/Posts/searchIndex.ts). */
export async function up({ db }: MigrateUpArgs): Promise<void> {
  for (const statement of sqlitePostSearchUp()) await db.run(sql.raw(statement))
}

export async function down({ db }: MigrateDownArgs): Promise<void> {
  for (const statement of sqlitePostSearchDown()) await db.run(sql.raw(statement))
}
