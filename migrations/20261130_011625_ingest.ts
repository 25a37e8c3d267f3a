import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-sqlite'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.run(sql`CREATE TABLE \`sources_rels\` (
  	\`id\` integer PRIMARY KEY NOT NULL,
  	\`order\` integer,
  	\`parent_id\` integer NOT NULL,
  	\`path\` text NOT NULL,
  	\`categories_id\` integer,
  	FOREIGN KEY (\`parent_id\`) REFERENCES \`sources\`(\`id\`) ON UPDATE no action ON DELETE cascade,
  	FOREIGN KEY (\`categories_id\`) REFERENCES \`categories\`(\`id\`) ON UPDATE no action ON DELETE cascade
  );
  `)
  await db.run(sql`CREATE INDEX \`sources_rels_order_idx\` ON \`sources_rels\` (\`order\`);`)
  await db.run(sql`CREATE INDEX \`sources_rels_parent_idx\` ON \`sources_rels\` (\`parent_id\`);`)
  await db.run(sql`CREATE INDEX \`sources_rels_path_idx\` ON \`sources_rels\` (\`path\`);`)
  await db.run(
    sql`CREATE INDEX \`sources_rels_categories_id_idx\` ON \`sources_rels\` (\`categories_id\`);`,
  )
  await db.run(sql`CREATE TABLE \`payload_jobs_stats\` (
  	\`id\` integer PRIMARY KEY NOT NULL,
  	\`stats\` text,
  	\`updated_at\` text,
  	\`created_at\` text
  );
  `)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_enabled\` integer DEFAULT false;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_interval_minutes\` numeric DEFAULT 15;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_arrives_as\` text DEFAULT 'in_review';`)
  await db.run(
    sql`ALTER TABLE \`sources\` ADD \`ingest_fetch_full_article\` integer DEFAULT false;`,
  )
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_last_polled_at\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_last_success_at\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_last_error\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_failure_streak\` numeric DEFAULT 0;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_items_last24h\` numeric;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_next_poll_at\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_etag\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_last_modified\` text;`)
  await db.run(sql`ALTER TABLE \`sources\` ADD \`ingest_status_seen\` text;`)
  await db.run(
    sql`CREATE INDEX \`sources_ingest_status_ingest_status_failure_streak_idx\` ON \`sources\` (\`ingest_status_failure_streak\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`sources_ingest_status_ingest_status_next_poll_at_idx\` ON \`sources\` (\`ingest_status_next_poll_at\`);`,
  )
  await db.run(sql`ALTER TABLE \`payload_jobs\` ADD \`meta\` text;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP TABLE \`sources_rels\`;`)
  await db.run(sql`DROP TABLE \`payload_jobs_stats\`;`)
  await db.run(sql`DROP INDEX \`sources_ingest_status_ingest_status_failure_streak_idx\`;`)
  await db.run(sql`DROP INDEX \`sources_ingest_status_ingest_status_next_poll_at_idx\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_enabled\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_interval_minutes\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_arrives_as\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_fetch_full_article\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_last_polled_at\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_last_success_at\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_last_error\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_failure_streak\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_items_last24h\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_next_poll_at\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_etag\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_last_modified\`;`)
  await db.run(sql`ALTER TABLE \`sources\` DROP COLUMN \`ingest_status_seen\`;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` DROP COLUMN \`meta\`;`)
}
