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
  await db.run(sql`CREATE TABLE \`delivery_epochs\` (
  	\`id\` integer PRIMARY KEY NOT NULL,
  	\`key\` text NOT NULL,
  	\`value\` text NOT NULL,
  	\`updated_at\` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
  	\`created_at\` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
  );
  `)
  await db.run(
    sql`CREATE UNIQUE INDEX \`delivery_epochs_key_idx\` ON \`delivery_epochs\` (\`key\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`delivery_epochs_updated_at_idx\` ON \`delivery_epochs\` (\`updated_at\`);`,
  )
  await db.run(
    sql`CREATE INDEX \`delivery_epochs_created_at_idx\` ON \`delivery_epochs\` (\`created_at\`);`,
  )
  await db.run(sql`CREATE TABLE \`payload_jobs_stats\` (
  	\`id\` integer PRIMARY KEY NOT NULL,
  	\`stats\` text,
  	\`updated_at\` text,
  	\`created_at\` text
  );
  `)
  await db.run(sql`ALTER TABLE \`posts\` ADD \`approved_fingerprint\` text;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` ADD \`version_approved_fingerprint\` text;`)
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
  await db.run(sql`ALTER TABLE \`media\` ADD \`created_by_id\` integer REFERENCES users(id);`)
  await db.run(sql`CREATE INDEX \`media_created_by_idx\` ON \`media\` (\`created_by_id\`);`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` ADD \`meta\` text;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` ADD \`claimed_by\` text;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` ADD \`lease_until\` text;`)
  await db.run(
    sql`CREATE INDEX \`payload_jobs_lease_until_idx\` ON \`payload_jobs\` (\`lease_until\`);`,
  )
  await db.run(sql`ALTER TABLE \`users\` DROP COLUMN \`login_attempts\`;`)
  await db.run(sql`ALTER TABLE \`users\` DROP COLUMN \`lock_until\`;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP TABLE \`sources_rels\`;`)
  await db.run(sql`DROP TABLE \`delivery_epochs\`;`)
  await db.run(sql`DROP TABLE \`payload_jobs_stats\`;`)
  await db.run(sql`PRAGMA foreign_keys=OFF;`)
  await db.run(sql`CREATE TABLE \`__new_media\` (
  	\`id\` integer PRIMARY KEY NOT NULL,
  	\`alt\` text,
  	\`caption\` text,
  	\`credit\` text,
  	\`external_url\` text,
  	\`updated_at\` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
  	\`created_at\` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
  	\`url\` text,
  	\`thumbnail_u_r_l\` text,
  	\`filename\` text,
  	\`mime_type\` text,
  	\`filesize\` numeric,
  	\`width\` numeric,
  	\`height\` numeric,
  	\`focal_x\` numeric,
  	\`focal_y\` numeric
  );
  `)
  await db.run(
    sql`INSERT INTO \`__new_media\`("id", "alt", "caption", "credit", "external_url", "updated_at", "created_at", "url", "thumbnail_u_r_l", "filename", "mime_type", "filesize", "width", "height", "focal_x", "focal_y") SELECT "id", "alt", "caption", "credit", "external_url", "updated_at", "created_at", "url", "thumbnail_u_r_l", "filename", "mime_type", "filesize", "width", "height", "focal_x", "focal_y" FROM \`media\`;`,
  )
  await db.run(sql`DROP TABLE \`media\`;`)
  await db.run(sql`ALTER TABLE \`__new_media\` RENAME TO \`media\`;`)
  await db.run(sql`PRAGMA foreign_keys=ON;`)
  await db.run(sql`CREATE UNIQUE INDEX \`media_external_url_idx\` ON \`media\` (\`external_url\`);`)
  await db.run(sql`CREATE INDEX \`media_updated_at_idx\` ON \`media\` (\`updated_at\`);`)
  await db.run(sql`CREATE INDEX \`media_created_at_idx\` ON \`media\` (\`created_at\`);`)
  await db.run(sql`CREATE UNIQUE INDEX \`media_filename_idx\` ON \`media\` (\`filename\`);`)
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
  await db.run(sql`DROP INDEX \`payload_jobs_lease_until_idx\`;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` DROP COLUMN \`meta\`;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` DROP COLUMN \`claimed_by\`;`)
  await db.run(sql`ALTER TABLE \`payload_jobs\` DROP COLUMN \`lease_until\`;`)
  await db.run(sql`ALTER TABLE \`users\` ADD \`login_attempts\` numeric DEFAULT 0;`)
  await db.run(sql`ALTER TABLE \`users\` ADD \`lock_until\` text;`)
  await db.run(sql`ALTER TABLE \`posts\` DROP COLUMN \`approved_fingerprint\`;`)
  await db.run(sql`ALTER TABLE \`_posts_v\` DROP COLUMN \`version_approved_fingerprint\`;`)
}
