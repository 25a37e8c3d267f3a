import { randomBytes } from 'node:crypto'

// Every test file starts on its own database: in-memory SQLite by default, a fresh PostgreSQL
// database on the PostgreSQL leg of scripts/test.mjs (created by test/setup/environment.mjs), or a
// fresh MongoDB database when the MongoDB leg provides a server.
if (process.env.PG_TEST_DATABASE_URI) {
  process.env.DATABASE_URI = process.env.PG_TEST_DATABASE_URI
} else if (process.env.MONGO_TEST_BASE_URI) {
  const url = new URL(process.env.MONGO_TEST_BASE_URI)
  url.pathname = `/newsroom_test_${randomBytes(6).toString('hex')}`
  process.env.DATABASE_URI = url.toString()
} else {
  process.env.DATABASE_URI ??= ':memory:'
}
process.env.PAYLOAD_SECRET ??= 'test-secret'
process.env.DISABLE_PAYLOAD_HMR = 'true'
