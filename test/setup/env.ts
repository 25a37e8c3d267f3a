// Every test process starts on its own in-memory SQLite database unless a test says otherwise.
process.env.DATABASE_URI ??= ':memory:'
process.env.PAYLOAD_SECRET ??= 'test-secret'
process.env.DISABLE_PAYLOAD_HMR = 'true'
