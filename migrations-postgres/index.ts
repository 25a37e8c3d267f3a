import * as migration_20261206_215721_initial from './20261206_215721_initial'
import * as migration_20261206_215800_post_search from './20261206_215800_post_search'
import * as migration_20261206_216000_media_storage from './20261206_216000_media_storage'
import * as migration_20261206_219000_topic_categories from './20261206_219000_topic_categories'
import * as migration_20261206_220000_import_archive from './20261206_220000_import_archive'

// PostgreSQL's migrations: the schema generated from the same config as SQLite's
// (`DATABASE_URI=postgres://... npm run migrate:create`), then the same data migration, last.
export const migrations = [
  {
    up: migration_20261206_215721_initial.up,
    down: migration_20261206_215721_initial.down,
    name: '20261206_215721_initial',
  },
  {
    up: migration_20261206_215800_post_search.up,
    down: migration_20261206_215800_post_search.down,
    name: '20261206_215800_post_search',
  },
  {
    up: migration_20261206_216000_media_storage.up,
    down: migration_20261206_216000_media_storage.down,
    name: '20261206_216000_media_storage',
  },
  {
    up: migration_20261206_219000_topic_categories.up,
    down: migration_20261206_219000_topic_categories.down,
    name: '20261206_219000_topic_categories',
  },
  {
    up: migration_20261206_220000_import_archive.up,
    down: migration_20261206_220000_import_archive.down,
    name: '20261206_220000_import_archive',
  },
]
