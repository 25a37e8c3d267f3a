import * as migration_20261128_154508_initial from './20261128_154508_initial'
import * as migration_20261128_200000_newsroom_v2 from './20261128_200000_newsroom_v2'
import * as migration_20261128_205000_round4 from './20261128_205000_round4'
import * as migration_20261128_205500_post_search from './20261128_205500_post_search'
import * as migration_20261128_206000_media_storage from './20261128_206000_media_storage'
import * as migration_20261128_209000_topic_categories from './20261128_209000_topic_categories'
import * as migration_20261128_210000_import_archive from './20261128_210000_import_archive'

// The data migration (import_archive) stays last, in name order too: `payload migrate` runs files by
// name, and the import writes columns that the schema migrations before it create. A database that
// already ran import_archive runs the schema migrations named before it as pending on its next start.
export const migrations = [
  {
    up: migration_20261128_154508_initial.up,
    down: migration_20261128_154508_initial.down,
    name: '20261128_154508_initial',
  },
  {
    up: migration_20261128_200000_newsroom_v2.up,
    down: migration_20261128_200000_newsroom_v2.down,
    name: '20261128_200000_newsroom_v2',
  },
  {
    up: migration_20261128_205000_round4.up,
    down: migration_20261128_205000_round4.down,
    name: '20261128_205000_round4',
  },
  {
    up: migration_20261128_205500_post_search.up,
    down: migration_20261128_205500_post_search.down,
    name: '20261128_205500_post_search',
  },
  {
    up: migration_20261128_206000_media_storage.up,
    down: migration_20261128_206000_media_storage.down,
    name: '20261128_206000_media_storage',
  },
  {
    up: migration_20261128_209000_topic_categories.up,
    down: migration_20261128_209000_topic_categories.down,
    name: '20261128_209000_topic_categories',
  },
  {
    up: migration_20261128_210000_import_archive.up,
    down: migration_20261128_210000_import_archive.down,
    name: '20261128_210000_import_archive',
  },
]
