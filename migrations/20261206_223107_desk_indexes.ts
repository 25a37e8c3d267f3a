import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-sqlite'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
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
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.run(sql`DROP INDEX \`_posts_v_desk_latest_date_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_state_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_status_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_source_idx\`;`)
  await db.run(sql`DROP INDEX \`_posts_v_desk_creator_idx\`;`)
}
