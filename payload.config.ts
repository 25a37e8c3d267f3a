import './src/preload'

import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { lexicalEditor } from '@payloadcms/richtext-lexical'
import { en } from '@payloadcms/translations/languages/en'
import { zh } from '@payloadcms/translations/languages/zh'
import { buildConfig, type Migration } from 'payload'
import sharp from 'sharp'

import { migrations } from './migrations'
import { databaseAdapter, resolveDatabase } from './src/db'
import { deliveryPlugin } from './src/delivery/plugin'
import { newsroomPlugin } from './src/plugin'
import { resolveSecret } from './src/secret'
import { settings } from './src/config'

const dirname = path.dirname(fileURLToPath(import.meta.url))
// Every environment variable, checked at once: a bad value stops the start with its fix.
const env = settings()
const database = resolveDatabase()

/** The host app of this repository: Payload with the newsroom plugin. */
export default buildConfig({
  serverURL: env.serverUrl,
  secret: resolveSecret(),
  db: databaseAdapter(database),
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
  plugins: [newsroomPlugin(), deliveryPlugin()],
  onInit: async (payload) => {
    // A persistent SQLite database gets its schema from the committed migrations, never from push;
    // so does an in-memory one in production, where Payload does not push.
    const pushed = database.inMemory && !env.production
    if (database.kind === 'sqlite' && !pushed && !env.payloadMigrating) {
      // The generated index is untyped; its entries are the adapter's own migration functions.
      await payload.db.migrate({ migrations: migrations as unknown as Migration[] })
    }
  },
})
