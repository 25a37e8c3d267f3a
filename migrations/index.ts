import * as migration_20261128_154508_initial from './20261128_154508_initial'
import * as migration_20261128_210000_import_archive from './20261128_210000_import_archive'
import * as migration_20261130_011625_ingest from './20261130_011625_ingest'

export const migrations = [
  {
    up: migration_20261128_154508_initial.up,
    down: migration_20261128_154508_initial.down,
    name: '20261128_154508_initial',
  },
  {
    up: migration_20261128_210000_import_archive.up,
    down: migration_20261128_210000_import_archive.down,
    name: '20261128_210000_import_archive',
  },
  {
    up: migration_20261130_011625_ingest.up,
    down: migration_20261130_011625_ingest.down,
    name: '20261130_011625_ingest',
  },
]
