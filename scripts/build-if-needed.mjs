// Builds the Next.js admin when no build exists or when its inputs changed since the last build.
// Used by `npm start` and `npm test`; `npm run build` always builds.
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const INPUTS = [
  'src',
  'collections',
  'payload.config.ts',
  'next.config.mjs',
  'package-lock.json',
  'tsconfig.json',
]
const SKIP = /(^|\/)(payload-types\.ts|.*\.test\.ts)$/

const walk = (p) => {
  const abs = path.join(root, p)
  if (!fs.existsSync(abs)) return []
  if (fs.statSync(abs).isFile()) return [p]
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => walk(path.join(p, e.name)))
}

export const buildInputsHash = () => {
  const hash = createHash('sha256')
  for (const file of INPUTS.flatMap(walk)
    .filter((f) => !SKIP.test(f))
    .sort()) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0')
  }
  return hash.digest('hex')
}

/**
 * Builds when needed; resolves true when it built. The build runs as a child process, so the event
 * loop stays free meanwhile (`npm start` answers 503 from /readyz while the admin builds).
 */
export const buildIfNeeded = async ({ force = false } = {}) => {
  const distDir = path.join(root, process.env.NEXT_DIST_DIR || '.next')
  const stamp = path.join(distDir, 'newsroom-inputs.sha256')
  const want = buildInputsHash()
  const have =
    fs.existsSync(path.join(distDir, 'BUILD_ID')) && fs.existsSync(stamp)
      ? fs.readFileSync(stamp, 'utf8').trim()
      : ''
  if (!force && have === want) return false
  process.stdout.write(
    `Building the admin (next build${have ? ', inputs changed' : ', first run'})...\n`,
  )
  const child = spawn('npx', ['next', 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --no-deprecation`.trim(),
      // The build only needs the config's shape, never the real database.
      DATABASE_URI: ':memory:',
      // Evaluating the config at build time needs a secret; the running server reads the real one.
      PAYLOAD_SECRET: process.env.PAYLOAD_SECRET || 'build-time-only-secret',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  })
  const status = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve(code ?? signal))
  })
  if (status !== 0) {
    throw new Error(`next build failed with exit code ${status}; see its output above`)
  }
  fs.writeFileSync(stamp, `${want}\n`)
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await buildIfNeeded({ force: process.argv.includes('--force') })
  } catch (err) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}
