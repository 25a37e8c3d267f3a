import type { MigrateDownArgs, MigrateUpArgs } from '@payloadcms/db-postgres'

import { down as importDown, up as importUp } from '../migrations/20261128_210000_import_archive'

type SqliteArgs = Parameters<typeof importUp>[0]

/**
 * The same data migration as SQLite's (`migrations/20261128_210000_import_archive.ts`): it writes
 * through Payload and the importer only, so one implementation serves both dialects.
 */
export const up = ({ payload, req }: MigrateUpArgs): Promise<void> =>
  importUp({ payload, req } as SqliteArgs)

export const down = ({ payload, req }: MigrateDownArgs): Promise<void> =>
  importDown({ payload, req } as SqliteArgs)
