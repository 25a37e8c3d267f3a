import './src/preload'

import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { lexicalEditor } from '@payloadcms/richtext-lexical'
import { en } from '@payloadcms/translations/languages/en'
import { zh } from '@payloadcms/translations/languages/zh'
import type { SQLiteAdapter } from '@payloadcms/db-sqlite'
import { buildConfig, type Migration } from 'payload'
import sharp from 'sharp'

import { migrations as sqliteMigrations } from './migrations'
import { migrations as postgresMigrations } from './migrations-postgres'
import { sqlitePostSearch } from './collections/Posts/searchIndex'
import { postVersionIndexes } from './collections/Posts/versionIndexes'
import { databaseAdapter, onPrimary, resolveDatabase } from './src/db'
import { deliveryPlugin } from './src/delivery/plugin'
import { newsroomPlugin } from './src/plugin'
import { resolveSecret } from './src/secret'
import { mediaStorage } from './src/storage'
import { acceptStoragePluginVersion, settings } from './src/config'

const dirname = path.dirname(fileURLToPath(import.meta.url))
// Every environment variable, checked at once: a bad value stops the start with its fix.
const env = settings()
acceptStoragePluginVersion()
const database = resolveDatabase()
// The posts' search box served by a trigram index on SQLite (PostgreSQL's pg_trgm needs no help).
const postSearch = sqlitePostSearch()

/** The host app of this repository: Payload with the newsroom plugin. */
export default buildConfig({
  serverURL: env.serverUrl,
  secret: resolveSecret(),
  db: databaseAdapter(database, {
    sqliteSchemaHooks: [postVersionIndexes],
    sqliteLike: postSearch.wrapLike,
  }),
  editor: lexicalEditor(),
  sharp,
  // Each uploaded file; the whole multipart body is held to the same size by src/http/bodyLimit.ts.
  upload: { limits: { fileSize: env.uploadMaxBytes } },
  telemetry: false,
  admin: {
    // No requests to gravatar or any other host from the admin.
    avatar: 'default',
    importMap: {
      baseDir: dirname,
      importMapFile: path.resolve(dirname, 'src/app/(payload)/admin/importMap.js'),
    },
    meta: { titleSuffix: ' · Newsroom' },
  },
  i18n: {
    supportedLanguages: { en, zh },
    fallbackLanguage: 'en',
  },
  typescript: {
    outputFile: path.resolve(dirname, 'src/payload-types.ts'),
    // Types are generated explicitly (npm run generate:types), not by every process that starts.
    autoGenerate: false,
  },
  // Storage last: it wraps the media collection the newsroom plugin adds.
  plugins: [newsroomPlugin(), deliveryPlugin(), mediaStorage(env)],
  onInit: async (payload) => {
    // A persistent SQL database gets its schema from its dialect's committed migrations, never from
    // push; so does an in-memory SQLite one in production, where Payload does not push. PostgreSQL
    // is never pushed (src/db.ts).
    const pushed = database.inMemory && !env.production
    if (env.payloadMigrating) return
    // The generated indexes are untyped; their entries are the adapter's own migration functions.
    if (database.kind === 'sqlite') {
      if (!pushed) {
        await payload.db.migrate({ migrations: sqliteMigrations as unknown as Migration[] })
      }
      // Push knows nothing of FTS tables and triggers: a pushed database gets them here.
      await postSearch.attach(payload.db as unknown as SQLiteAdapter, { create: pushed })
    } else if (database.kind === 'postgres') {
      // On the primary: a read replica may not have the migrations table yet (src/db.ts onPrimary).
      await onPrimary(payload, () =>
        payload.db.migrate({ migrations: postgresMigrations as unknown as Migration[] }),
      )
    }
  },
})
