import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-sqlite'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
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
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP TABLE \`delivery_epochs\`;`)
}
