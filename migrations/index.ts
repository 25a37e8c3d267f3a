import * as migration_20261128_154508_initial from './20261128_154508_initial'
import * as migration_20261128_200000_staff_hardening from './20261128_200000_staff_hardening'
import * as migration_20261128_210000_import_archive from './20261128_210000_import_archive'
import * as migration_20261130_011228_job_leases from './20261130_011228_job_leases'
import * as migration_20261130_011625_ingest from './20261130_011625_ingest'
import * as migration_20261130_015007_delivery_epoch from './20261130_015007_delivery_epoch'
import * as migration_20261130_020616_login_throttle from './20261130_020616_login_throttle'

export const migrations = [
  {
    up: migration_20261128_154508_initial.up,
    down: migration_20261128_154508_initial.down,
    name: '20261128_154508_initial',
  },
  {
    // Before the archive import: the import writes rows with these columns.
    up: migration_20261128_200000_staff_hardening.up,
    down: migration_20261128_200000_staff_hardening.down,
    name: '20261128_200000_staff_hardening',
  },
  {
    up: migration_20261130_011228_job_leases.up,
    down: migration_20261130_011228_job_leases.down,
    name: '20261130_011228_job_leases',
  },
  {
    up: migration_20261130_011625_ingest.up,
    down: migration_20261130_011625_ingest.down,
    name: '20261130_011625_ingest',
  },
  {
    up: migration_20261130_015007_delivery_epoch.up,
    down: migration_20261130_015007_delivery_epoch.down,
    name: '20261130_015007_delivery_epoch',
  },
  {
    up: migration_20261130_020616_login_throttle.up,
    down: migration_20261130_020616_login_throttle.down,
    name: '20261130_020616_login_throttle',
  },
  {
    // A data migration, last whatever its date: the import writes through the current config, whose
    // tables and columns every schema migration must have made first (on a fresh database with
    // ARCHIVE_DIR, running it third failed on columns added since, e.g. sources.ingest_enabled).
    up: migration_20261128_210000_import_archive.up,
    down: migration_20261128_210000_import_archive.down,
    name: '20261128_210000_import_archive',
  },
]
