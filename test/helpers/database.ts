/**
 * The database a test shares between processes (its server, a child server, a second Payload): a
 * file it names on SQLite, or, on the PostgreSQL leg of `npm test`, this test file's own database
 * (created for it by test/setup/environment.mjs and dropped after it).
 */
export const sharedDatabase = (sqliteFile: string): string =>
  process.env.PG_TEST_DATABASE_URI ?? sqliteFile

/** Whether this run is the PostgreSQL leg. */
export const onPostgres = (): boolean => Boolean(process.env.PG_TEST_DATABASE_URI)
