import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-sqlite'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.run(sql`DROP INDEX \`posts_source_url_idx\`;`)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_match_url\` text;`)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_guid\` text;`)
  await db.run(
    sql`CREATE INDEX \`posts_provenance_provenance_match_url_idx\` ON \`posts\` (\`provenance_match_url\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`posts_provenance_provenance_guid_idx\` ON \`posts\` (\`provenance_guid\`);`,
  )
  await db.run(sql`CREATE INDEX \`posts_source_url_idx\` ON \`posts\` (\`source_url\`);`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_match_url\` text;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_guid\` text;`)
  await db.run(
    sql`CREATE INDEX \`_posts_v_version_provenance_version_provenance_match_url_idx\` ON \`_posts_v\` (\`version_provenance_match_url\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_version_provenance_version_provenance_guid_idx\` ON \`_posts_v\` (\`version_provenance_guid\`);`,
  )
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_published_changes\` text DEFAULT 'review';`)
  await db.run(
    sql`ALTER TABLE \`sources\` ADD \`ingest_allow_foreign_hosts\` integer DEFAULT false;`,
  )
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP INDEX \`posts_provenance_provenance_match_url_idx\`;`)
  await db.run(sql`DROP INDEX \`posts_provenance_provenance_guid_idx\`;`)
  await db.run(sql`DROP INDEX \`posts_source_url_idx\`;`)
  await db.run(sql`CREATE UNIQUE INDEX \`posts_source_url_idx\` ON \`posts\` (\`source_url\`);`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_match_url\`;`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_guid\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_version_provenance_version_provenance_match_url_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_version_provenance_version_provenance_guid_idx\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_match_url\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_guid\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_published_changes\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_allow_foreign_hosts\`;`)
}
