// `npm start`: the one command of the quick start. Builds the admin when needed, starts the server on
// the embedded SQLite database (created and migrated on first run), creates the first admin from
// ADMIN_EMAIL / ADMIN_PASSWORD when set, and imports the bundled example archive through the importer.
import '../src/preload'

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

Object.assign(process.env, { NODE_ENV: process.env.NODE_ENV ?? 'production' })
process.env.NEXT_TELEMETRY_DISABLED ??= '1'

/**
 * A production server needs PAYLOAD_SECRET. For the one-command demo we generate a random one on first
 * run and keep it beside the database (data/payload-secret), so sessions survive restarts; a real
 * deployment sets PAYLOAD_SECRET itself.
 */
const ensureSecret = (): void => {
  if (process.env.PAYLOAD_SECRET?.trim()) return
  const file = path.join(root, 'data', 'payload-secret')
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
    process.stdout.write(
      `PAYLOAD_SECRET is not set: generated one in ${path.relative(root, file)} for this demo.\n`,
    )
  }
  process.env.PAYLOAD_SECRET = fs.readFileSync(file, 'utf8').trim()
}

const main = async () => {
  ensureSecret()
  fs.mkdirSync(path.join(root, 'data'), { recursive: true })
  const { buildIfNeeded } = await import('./build-if-needed.mjs')
  buildIfNeeded()

  const { startServer, stopOnSignals } = await import('../src/server')
  const { resolveDatabase } = await import('../src/db')
  const database = resolveDatabase()
  let running: Awaited<ReturnType<typeof startServer>>
  try {
    // Ready (GET /readyz) only once the first admin and the examples exist.
    running = await startServer({ ready: false })
  } catch (err) {
    process.stderr.write(
      `newsroom: could not start (database ${database.display}): ${err instanceof Error ? err.message : String(err)}\n`,
    )
    process.exit(1)
  }
  const { payload, url } = running

  stopOnSignals(running)

  const { ensureFirstAdmin } = await import('../src/seed/firstAdmin')
  await ensureFirstAdmin(payload, { url })

  if (process.env.SEED_EXAMPLES !== 'false') {
    const { seedExampleArchive } = await import('../src/seed/examples')
    await seedExampleArchive(payload)
  }
  running.markReady()
  payload.logger.info(
    `Newsroom CMS ready on ${url} — admin ${url}/admin, REST ${url}/api/posts, GraphQL ${url}/api/graphql`,
  )
}

await main()
