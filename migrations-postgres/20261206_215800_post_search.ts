import { sql, type MigrateDownArgs, type MigrateUpArgs } from '@payloadcms/db-postgres'

import { postgresPostSearchDown, postgresPostSearchUp } from '../collections/Posts/searchIndex'

/** The posts' search box on a trigram index: pg_trgm GIN indexes (collections/Posts/searchIndex.ts). */
export async function up({ db }: MigrateUpArgs): Promise<void> {
  for (const statement of postgresPostSearchUp()) await db.execute(sql.raw(statement))
}

export async function down({ db }: MigrateDownArgs): Promise<void> {
  for (const statement of postgresPostSearchDown()) await db.execute(sql.raw(statement))
}
