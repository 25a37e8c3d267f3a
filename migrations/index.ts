import type { Migration } from '@payloadcms/db-sqlite'

export const migrations: Migration[] = []
