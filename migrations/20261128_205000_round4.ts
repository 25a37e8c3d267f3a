import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-sqlite'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.run(sql`DROP INDEX \`posts_source_url_idx\`;`)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_source\` text;`)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_match_url\` text;`)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`provenance_guid\` text;`)
  await db.run(
    sql`CREATE INDEX \`posts_provenance_provenance_match_url_idx\` ON \`posts\` (\`provenance_match_url\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`posts_provenance_provenance_guid_idx\` ON \`posts\` (\`provenance_guid\`);`,
  )
  await db.run(sql`CREATE INDEX \`posts_source_url_idx\` ON \`posts\` (\`source_url\`);`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_source\` text;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_match_url\` text;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_provenance_guid\` text;`)
  await db.run(
    sql`CREATE INDEX \`_posts_v_version_provenance_version_provenance_match_url_idx\` ON \`_posts_v\` (\`version_provenance_match_url\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_version_provenance_version_provenance_guid_idx\` ON \`_posts_v\` (\`version_provenance_guid\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_desk_latest_date_idx\` ON \`_posts_v\` (\`latest\`,\`version_published_at\`,\`version_created_at\`,\`version_title\`,\`version_source_url\`,\`version_slug\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_desk_state_idx\` ON \`_posts_v\` (\`version_editorial_state\`,\`latest\`,\`version_updated_at\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_desk_status_idx\` ON \`_posts_v\` (\`version__status\`,\`latest\`,\`version_published_at\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_desk_source_idx\` ON \`_posts_v\` (\`version_source_id\`,\`latest\`,\`version_published_at\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`_posts_v_desk_creator_idx\` ON \`_posts_v\` (\`version_created_by_id\`,\`latest\`,\`version_editorial_state\`,\`version_updated_at\`);`,
  )
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_published_changes\` text DEFAULT 'review';`)
  await db.run(
    sql`ALTER TABLE \`sources\` ADD \`ingest_allow_foreign_hosts\` integer DEFAULT false;`,
  )
  await db.run(
    sql`ALTER TABLE \`sources\` ADD \`ingest_allow_private_network\` integer DEFAULT false;`,
  )
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP INDEX \`posts_provenance_provenance_match_url_idx\`;`)
  await db.run(sql`DROP INDEX \`posts_provenance_provenance_guid_idx\`;`)
  await db.run(sql`DROP INDEX \`posts_source_url_idx\`;`)
  await db.run(sql`CREATE UNIQUE INDEX \`posts_source_url_idx\` ON \`posts\` (\`source_url\`);`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_source\`;`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_match_url\`;`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`provenance_guid\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_version_provenance_version_provenance_match_url_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_version_provenance_version_provenance_guid_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_latest_date_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_state_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_status_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_source_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_creator_idx\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_source\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_match_url\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_provenance_guid\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_published_changes\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_allow_foreign_hosts\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_allow_private_network\`;`)
}
