import * as migration_20261128_154508_initial from './20261128_154508_initial'
import * as migration_20261128_200000_newsroom_v2 from './20261128_200000_newsroom_v2'
import * as migration_20261128_205000_provenance_source from './20261128_205000_provenance_source'
import * as migration_20261128_205000_store_identity from './20261128_205000_store_identity'
import * as migration_20261128_210000_import_archive from './20261128_210000_import_archive'
import * as migration_20261128_205000_source_allow_private_network from './20261128_205000_source_allow_private_network'
import * as migration_20261206_223107_desk_indexes from './20261206_223107_desk_indexes'

// The data migration (import_archive) stays last, in name order too: `payload migrate` runs files by
// name, and the import writes columns that the schema migrations before it create. A database that
// already ran import_archive runs newsroom_v2 as pending on its next start. desk_indexes, after it,
// adds indexes only (the lead folds this round's migrations into one).
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
    up: migration_20261128_205000_provenance_source.up,
    down: migration_20261128_205000_provenance_source.down,
    name: '20261128_205000_provenance_source',
  },
  {
    up: migration_20261128_205000_source_allow_private_network.up,
    down: migration_20261128_205000_source_allow_private_network.down,
    name: '20261128_205000_source_allow_private_network',
  },
  {
    up: migration_20261128_205000_store_identity.up,
    down: migration_20261128_205000_store_identity.down,
    name: '20261128_205000_store_identity',
  },
  {
    up: migration_20261128_210000_import_archive.up,
    down: migration_20261128_210000_import_archive.down,
    name: '20261128_210000_import_archive',
  },
  {
    up: migration_20261206_223107_desk_indexes.up,
    down: migration_20261206_223107_desk_indexes.down,
    name: '20261206_223107_desk_indexes',
  },
]
