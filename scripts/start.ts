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
  // First of all, before any start-up work: a SIGTERM at any moment (building the admin, migrating,
  // importing, seeding) stops cleanly with exit 0 (src/lib/processGuards.ts).
  // Every variable checked at once, so a bad value stops here with its fix (README, "Environment").
  const { settings } = await import('../src/config')
  const { installShutdown } = await import('../src/lib/processGuards')
  const shutdown = installShutdown({ forceAfterMs: settings().shutdownDrainMs + 15_000 })
  process.stdout.write(`newsroom: starting (pid ${process.pid})\n`)
  const { resolveDatabase } = await import('../src/db')
  const database = resolveDatabase()
  let running: Awaited<ReturnType<typeof import('../src/server').startServer>>
  // Listen before anything slow (the first build of the admin takes minutes): clients get 503 from
  // /readyz, not "connection refused"; the server takes the same socket over once it is up.
  const { listenWhileStarting } = await import('../src/http/startingUp')
  let listening: Awaited<ReturnType<typeof listenWhileStarting>>
  try {
    listening = await listenWhileStarting({ host: settings().host, port: settings().port })
  } catch (err) {
    return shutdown.abandon(err, (message) => `newsroom: could not listen: ${message}`)
  }
  process.stdout.write(`newsroom: listening on ${listening.url} (503 until ready)\n`)
  try {
    ensureSecret()
    fs.mkdirSync(path.join(root, 'data'), { recursive: true })
    // No admin served (SERVE_ADMIN=false) or the build skipped on purpose: nothing to build.
    if (settings().serveAdmin && !settings().skipAdminBuild) {
      const { buildIfNeeded } = await import('./build-if-needed.mjs')
      listening.setStage('building the admin')
      await buildIfNeeded()
    }
    shutdown.throwIfStopping()
    listening.setStage('migrating the database')
    const { startServer } = await import('../src/server')
    // Ready (GET /readyz) only once the first admin and the examples exist.
    running = await startServer({ ready: false, signal: shutdown.signal, listening })
  } catch (err) {
    return shutdown.abandon(
      err,
      (message) => `newsroom: could not start (database ${database.display}): ${message}`,
      listening.close,
    )
  }
  const { payload, url } = running
  const { stopOnSignals } = await import('../src/server')
  stopOnSignals(running, shutdown)

  try {
    shutdown.throwIfStopping()
    const { ensureFirstAdmin } = await import('../src/seed/firstAdmin')
    await ensureFirstAdmin(payload, { url })
    shutdown.throwIfStopping()
    const { seedExampleArchive, shouldSeedExamples } = await import('../src/seed/examples')
    if (await shouldSeedExamples(payload, settings().seedExamples)) {
      listening.setStage('importing the example archive')
      await seedExampleArchive(payload)
      shutdown.throwIfStopping()
    }
  } catch (err) {
    // A stop during the seeding: the shutdown closes the server and exits.
    if (shutdown.signal.aborted) return
    throw err
  }
  running.markReady()
  payload.logger.info(
    `Newsroom CMS ready on ${url} — admin ${url}/admin, REST ${url}/api/posts, GraphQL ${url}/api/graphql`,
  )
}

await main()
