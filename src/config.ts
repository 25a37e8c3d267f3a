import { createRequire } from 'node:module'
import path from 'node:path'

import type expressType from 'express'

/**
 * Every environment variable the newsroom reads, in one table: its name, default, meaning, and how
 * its text becomes a typed value. `settings()` reads them all at once and fails with one message
 * that lists every bad value and how to fix it; code asks `settings()` instead of `process.env`.
 * The README's environment table is generated from this table (`npm run docs:env`) and a test
 * keeps the two equal.
 */

type Parse<T> = (raw: string | undefined, name: string) => T

type Variable<T> = {
  /** The environment variable. */
  env: string
  /** The default as the README shows it. */
  shown: string
  /** What it means, for the README. */
  doc: string
  /** Who reads it: the server, or only tests and tools. */
  audience: 'server' | 'tools'
  parse: Parse<T>
}

/** A bad value: the variable, what it holds and how to fix it. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly fix: string,
  ) {
    super(`${variable}="${value}": ${fix}`)
    this.name = 'SettingError'
  }
}

const blank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === ''

const text =
  (fallback: string): Parse<string> =>
  (raw) =>
    blank(raw) ? fallback : raw.trim()

const optionalText: Parse<string | undefined> = (raw) => (blank(raw) ? undefined : raw.trim())
/** A URL whose form `pattern` checks, or unset; `fix` says what to set instead. */
const optionalUrl =
  (pattern: RegExp, fix: string): Parse<string | undefined> =>
  (raw, name) => {
    if (blank(raw)) return undefined
    const value = raw.trim()
    if (!pattern.test(value)) throw new SettingError(name, value, fix)
    return value
  }

/** A whole number in [min, max]; `unit` names it in the error. */
const whole =
  (fallback: number, unit: string, min = 0, max = Number.MAX_SAFE_INTEGER): Parse<number> =>
  (raw, name) => {
    if (blank(raw)) return fallback
    const n = Number(raw.trim())
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
      throw new SettingError(name, raw, `set a whole number of ${unit} ${range}, or unset it`)
    }
    return n
  }

/** A number of seconds >= 0, fractions allowed. */
const seconds =
  (fallback: number): Parse<number> =>
  (raw, name) => {
    if (blank(raw)) return fallback
    const n = Number(raw.trim())
    if (!Number.isFinite(n) || n < 0)
      throw new SettingError(name, raw, 'set a number of seconds >= 0, or unset it')
    return n
  }

const flag =
  (fallback: boolean): Parse<boolean> =>
  (raw, name) => {
    if (blank(raw)) return fallback
    const value = raw.trim().toLowerCase()
    if (['true', '1', 'yes', 'on'].includes(value)) return true
    if (['false', '0', 'no', 'off'].includes(value)) return false
    throw new SettingError(name, raw, 'set true or false, or unset it')
  }

const variable = <T>(
  env: string,
  shown: string,
  doc: string,
  parse: Parse<T>,
  audience: Variable<T>['audience'] = 'server',
): Variable<T> => ({ env, shown, doc, parse, audience })

/** The table. Order is the README's order. */
export const variables = {
  production: variable(
    'NODE_ENV',
    '`production` under `npm start`',
    '`production` runs the built admin, migrates persistent databases and requires `PAYLOAD_SECRET`',
    (raw) => (raw ?? '').trim() === 'production',
  ),
  databaseUri: variable(
    'DATABASE_URI',
    '`./data/newsroom.db`',
    '`postgres://…` or `postgresql://…` uses PostgreSQL (schema from `migrations-postgres/`, run at start; never pushed); `mongodb://…` or `mongodb+srv://…` uses MongoDB; anything else is an SQLite file path (`:memory:` for a throw-away database)',
    text('./data/newsroom.db'),
  ),
  databaseReplicaUris: variable(
    'DATABASE_REPLICA_URIS',
    'none',
    'PostgreSQL only: comma-separated `postgres://…` URLs of read replicas of `DATABASE_URI` (db-postgres `readReplicas`). Reads go to a random replica; writes, everything inside a write’s transaction, the content epoch, job claims and the shared counters go to the primary',
    (raw, name): string[] => {
      if (blank(raw)) return []
      const list = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      const bad = list.find((uri) => !/^postgres(ql)?:\/\/[^/]/i.test(uri))
      if (bad !== undefined)
        throw new SettingError(
          name,
          raw,
          `"${bad.replace(/\/\/([^@/]+)@/, '//***@')}" is not a postgres:// URL: set a comma-separated list of the replicas' postgres:// URLs, or unset it`,
        )
      return list
    },
  ),
  payloadSecret: variable(
    'PAYLOAD_SECRET',
    'none',
    'signs sessions. Required when `NODE_ENV=production`; `npm start` generates one into `data/payload-secret` on first run if unset; development falls back to a labelled insecure value',
    optionalText,
  ),
  host: variable('HOST', '`127.0.0.1`', 'where the server listens', text('127.0.0.1')),
  port: variable('PORT', '`3000`', 'the port it listens on', whole(3000, 'port', 0, 65535)),
  adminEmail: variable(
    'ADMIN_EMAIL',
    'none',
    'with `ADMIN_PASSWORD`: create the first admin on an empty database',
    optionalText,
  ),
  adminPassword: variable('ADMIN_PASSWORD', 'none', 'the first admin’s password', (raw) =>
    blank(raw) ? undefined : raw,
  ),
  seedExamples: variable(
    'SEED_EXAMPLES',
    '`empty`',
    '`npm start` imports `examples/archive/`: `empty` only into a database without posts, `true` always (idempotent), `false` never',
    (raw, name): 'empty' | boolean => {
      if (blank(raw) || raw.trim().toLowerCase() === 'empty') return 'empty'
      try {
        return flag(true)(raw, name)
      } catch {
        throw new SettingError(name, raw, 'set empty, true or false, or unset it')
      }
    },
  ),
  serveAdmin: variable(
    'SERVE_ADMIN',
    '`true`',
    '`false` serves only the API (no Next.js)',
    flag(true),
  ),
  serverUrl: variable(
    'SERVER_URL',
    'empty',
    'public origin, used in links Payload generates. Signed-in (cookie) writes must come from this origin; when empty, from the request’s own `Host` (set it when a proxy rewrites `Host`). An `https://` origin makes the session cookie `Secure`',
    (raw, name) => {
      if (blank(raw)) return ''
      const value = raw.trim().replace(/\/+$/, '')
      let url: URL
      try {
        url = new URL(value)
      } catch {
        throw new SettingError(name, raw, 'set an origin such as https://news.example.org')
      }
      if (!/^https?:$/.test(url.protocol))
        throw new SettingError(name, raw, 'set an http(s) origin such as https://news.example.org')
      return value
    },
  ),
  mediaDir: variable('MEDIA_DIR', '`data/media`', 'where uploaded files are stored', (raw) =>
    path.resolve(blank(raw) ? 'data/media' : raw.trim()),
  ),
  s3Bucket: variable(
    'S3_BUCKET',
    'none',
    'keep uploaded files in this S3 (or S3-compatible) bucket instead of `MEDIA_DIR` (`@payloadcms/storage-s3`); every server then serves every upload. The bucket must exist',
    optionalText,
  ),
  s3Endpoint: variable(
    'S3_ENDPOINT',
    'AWS',
    'with `S3_BUCKET`: the S3-compatible service’s URL (e.g. `https://minio.internal:9000`); unset, AWS S3',
    optionalUrl(
      /^https?:\/\/[^/]/,
      'set the http(s) URL of the S3-compatible service, or unset it for AWS S3',
    ),
  ),
  s3Region: variable(
    'S3_REGION',
    '`us-east-1`',
    'with `S3_BUCKET`: the bucket’s region',
    text('us-east-1'),
  ),
  s3AccessKeyId: variable(
    'S3_ACCESS_KEY_ID',
    'none',
    'with `S3_BUCKET`: the access key (with `S3_SECRET_ACCESS_KEY`); unset, the AWS SDK’s own chain (its `AWS_*` variables, an instance role)',
    optionalText,
  ),
  s3SecretAccessKey: variable(
    'S3_SECRET_ACCESS_KEY',
    'none',
    'with `S3_BUCKET`: the secret of `S3_ACCESS_KEY_ID`',
    optionalText,
  ),
  s3ForcePathStyle: variable(
    'S3_FORCE_PATH_STYLE',
    '`false`',
    'with `S3_BUCKET`: address the bucket as `endpoint/bucket/key` (most S3-compatible servers: MinIO, Ceph, Garage) instead of `bucket.endpoint/key`',
    flag(false),
  ),
  mongodbTimeoutMs: variable(
    'MONGODB_TIMEOUT_MS',
    '`5000`',
    'how long to wait for MongoDB before failing at start',
    whole(5000, 'milliseconds', 1),
  ),
  shutdownDrainMs: variable(
    'SHUTDOWN_DRAIN_MS',
    '`5000`',
    'how long in-flight requests get on SIGTERM/SIGINT (which stop the server cleanly at any moment, start-up included: exit 0)',
    whole(5000, 'milliseconds', 0),
  ),
  httpKeepAliveMs: variable(
    'HTTP_KEEP_ALIVE_MS',
    '`65000`',
    'how long an idle keep-alive connection stays open; keep it above your load balancer’s idle timeout',
    whole(65_000, 'milliseconds', 1),
  ),
  nextDistDir: variable('NEXT_DIST_DIR', '`.next`', 'folder of the admin build', text('.next')),
  trustProxy: variable(
    'TRUST_PROXY',
    '`false`',
    'behind reverse proxies: their number (`1`) or their addresses/CIDRs (`10.0.0.0/8,loopback`), as Express’s `trust proxy`; client addresses then come from `X-Forwarded-For`. `true` (trust every hop) is refused at start',
    (raw, name): false | number | string[] => {
      const value = (raw ?? '').trim()
      if (value === '' || value === 'false' || value === '0') return false
      if (value === 'true')
        throw new SettingError(
          name,
          value,
          'true would trust every X-Forwarded-For hop, so any client could choose its address. Set the number of proxies in front of the server (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.0/8,loopback)',
        )
      if (/^\d+$/.test(value)) return Number(value)
      const list = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      try {
        // Express compiles the list with proxy-addr, which throws on an address it cannot read.
        // Loaded here, only when a list is set: every process reads this module (the importer's
        // and ingest's worker threads too), and express costs each of them ~130 ms to load.
        const express = createRequire(import.meta.url)('express') as typeof expressType
        express().set('trust proxy', list)
      } catch (err) {
        throw new SettingError(
          name,
          value,
          `set a number of proxies or a list of proxy addresses/CIDRs (${err instanceof Error ? err.message : String(err)})`,
        )
      }
      return list
    },
  ),
  jobsCron: variable(
    'JOBS_CRON',
    '`*/10 * * * * *`',
    'how often each server looks for due jobs (scheduled publish/unpublish, imports); 6-field cron. Every server may run it: each job runs once',
    text('*/10 * * * * *'),
  ),
  jobsLeaseSeconds: variable(
    'JOBS_LEASE_SECONDS',
    '`60`',
    'how long a server holds a job it runs without renewing its claim (it renews every third of it); a job held by a server that died runs again elsewhere after this',
    whole(60, 'seconds', 1),
  ),
  jobsOverdueAfterSeconds: variable(
    'JOBS_OVERDUE_AFTER_SECONDS',
    '`60`',
    'a job this late counts as overdue (`/healthz`, the dashboard)',
    whole(60, 'seconds', 1),
  ),
  cronSecret: variable(
    'CRON_SECRET',
    'none',
    'bearer token for `GET /api/payload-jobs/run` (for deployments without a long-running server); unset: admins only',
    optionalText,
  ),
  archiveDir: variable(
    'ARCHIVE_DIR',
    'none',
    'the archive the admin’s import button, the `importArchive` job and the `import_archive` migration import; the server imports from no other folder (a job’s `dir` must lie inside it, resolved with `realpath`)',
    optionalText,
  ),
  importMaxFileBytes: variable(
    'IMPORT_MAX_FILE_BYTES',
    '`5242880` (5 MB)',
    'an archive file larger than this is reported `failed` with its size, without being read',
    whole(5 * 1024 * 1024, 'bytes', 1),
  ),
  rateLimitPerMinute: variable(
    'RATE_LIMIT_PER_MINUTE',
    '`600`',
    'anonymous requests a minute per client address on `/api` and `/feeds`; `0` turns the limit off',
    whole(600, 'requests', 0),
  ),
  rateLimitSyncMs: variable(
    'RATE_LIMIT_SYNC_MS',
    '`1000`',
    'how often each server merges its rate-limit counts with the other servers’ through the shared store (no store write per request); `0` counts in each server alone',
    whole(1000, 'milliseconds', 0),
  ),
  redisUrl: variable(
    'REDIS_URL',
    'none',
    '`redis://…`: the store the servers share for the sign-in throttle and the rate limit (`src/auth/redisKv.ts`, on ioredis); unset, a table in the database (`payload-kv`)',
    optionalUrl(
      /^rediss?:\/\//,
      'set a redis:// or rediss:// URL of the Redis the servers share, or unset it to keep shared counts in the database',
    ),
  ),
  redisKeyPrefix: variable(
    'REDIS_KEY_PREFIX',
    '`newsroom:`',
    'prefix of those keys in Redis',
    (raw) => raw ?? 'newsroom:',
  ),
  hstsMaxAge: variable(
    'HSTS_MAX_AGE',
    '`0`',
    'seconds of `Strict-Transport-Security` (e.g. `31536000`); `0` sends none. Set it only when the site is served over https',
    whole(0, 'seconds', 0),
  ),
  rateLimitExemptLoopback: variable(
    'RATE_LIMIT_EXEMPT_LOOPBACK',
    '`true`',
    'direct clients on this machine are not limited (a request with `X-Forwarded-For` never is exempt)',
    flag(true),
  ),
  deliveryMaxAge: variable(
    'DELIVERY_MAX_AGE',
    '`60`',
    '`Cache-Control: max-age` of public reads, seconds',
    seconds(60),
  ),
  deliveryStaleWhileRevalidate: variable(
    'DELIVERY_STALE_WHILE_REVALIDATE',
    '`300`',
    '`Cache-Control: stale-while-revalidate` of public reads, seconds',
    seconds(300),
  ),
  deliveryMicrocacheSeconds: variable(
    'DELIVERY_MICROCACHE_SECONDS',
    '`300`',
    'the longest a server reuses an anonymous read while nothing readers can see changed (a publish, unpublish or change to published content through any server or the importer ends it within 250 ms, an embargo ending at once; draft saves do not); `0` turns it off',
    // Unset: the freshness watch's own default (300 s with the delivery plugin's watch).
    (raw, name) => (blank(raw) ? undefined : seconds(0)(raw, name)),
  ),
  deliveryMaxDepth: variable(
    'DELIVERY_MAX_DEPTH',
    '`2`',
    'the deepest `depth` an anonymous REST read may ask for (deeper: 400); staff are not limited',
    whole(2, 'levels', 0),
  ),
  deliveryMaxLimit: variable(
    'DELIVERY_MAX_LIMIT',
    '`100`',
    'the largest `limit` (lists and joins) an anonymous REST or GraphQL read may ask for; more, `limit=0` or `pagination=false` is a 400 naming it; staff are not limited',
    whole(100, 'documents', 1),
  ),
  requestBodyMaxBytes: variable(
    'REQUEST_BODY_MAX_BYTES',
    '`1048576`',
    'the largest JSON/GraphQL body on `/api` (413 past it, counted as it arrives)',
    whole(1024 * 1024, 'bytes', 1),
  ),
  uploadMaxBytes: variable(
    'UPLOAD_MAX_BYTES',
    '`20971520`',
    'the largest upload (multipart body and file)',
    whole(20 * 1024 * 1024, 'bytes', 1),
  ),
  newsroomDelivery: variable(
    'NEWSROOM_DELIVERY',
    'on',
    '`off` serves plain Payload REST/GraphQL without the delivery layer (benchmark baseline)',
    (raw) => (raw ?? '').trim() !== 'off',
  ),
  graphqlMaxComplexity: variable(
    'GRAPHQL_MAX_COMPLEXITY',
    '`3000`',
    'GraphQL queries costing more are refused. The cost counts every field (aliases too) times the `limit` of the list it is in (`src/delivery/graphqlCost.ts`)',
    whole(3000, 'cost units', 1),
  ),
  graphqlMaxDepth: variable(
    'GRAPHQL_MAX_DEPTH',
    '`7`',
    'GraphQL queries nested deeper are refused',
    whole(7, 'levels', 1),
  ),
  graphqlPlayground: variable(
    'GRAPHQL_PLAYGROUND',
    '`false`',
    'turn the playground on in production',
    flag(false),
  ),
  graphqlIntrospection: variable(
    'GRAPHQL_INTROSPECTION',
    '`false`',
    'turn introspection on in production',
    flag(false),
  ),
  feedTitle: variable(
    'FEED_TITLE',
    '`Newsroom`',
    'title of the feeds at `/feeds/posts.xml`, `/feeds/sources/:slug.xml`, `/feeds/categories/:slug.xml`',
    text('Newsroom'),
  ),
  feedItems: variable('FEED_ITEMS', '`50`', 'items in each feed', whole(50, 'items', 1)),
  publicSiteUrl: variable(
    'PUBLIC_SITE_URL',
    'request origin',
    'the readers’ site the feeds link to',
    optionalText,
  ),
  ingestCron: variable(
    'INGEST_CRON',
    '`0 * * * * *`',
    'when the `ingestFeeds` task is queued (it polls only sources that are due)',
    text('0 * * * * *'),
  ),
  ingestConcurrency: variable(
    'INGEST_CONCURRENCY',
    '`4`',
    'feeds fetched at once',
    whole(4, 'feeds', 1, 64),
  ),
  ingestConnectTimeoutMs: variable(
    'INGEST_CONNECT_TIMEOUT_MS',
    '`5000`',
    'connect timeout of a feed or page fetch',
    whole(5000, 'milliseconds', 1),
  ),
  ingestTimeoutMs: variable(
    'INGEST_TIMEOUT_MS',
    '`20000`',
    'whole-exchange timeout of a feed or page fetch',
    whole(20_000, 'milliseconds', 1),
  ),
  ingestMaxBytes: variable(
    'INGEST_MAX_BYTES',
    '`5242880`',
    'largest feed or article page (decompressed)',
    whole(5 * 1024 * 1024, 'bytes', 1),
  ),
  payloadMigrating: variable(
    'PAYLOAD_MIGRATING',
    '`false`',
    '`true` while `npm run payload -- migrate` runs: the config does not migrate the SQLite database itself on start',
    (raw) => (raw ?? '').trim() === 'true',
  ),
  skipAdminBuild: variable(
    'SKIP_ADMIN_BUILD',
    'unset',
    '`npm start` and `npm test`: any value skips building the admin',
    (raw) => !blank(raw),
    'tools',
  ),
  testTimeScale: variable(
    'TEST_TIME_SCALE',
    'measured',
    'tests: how much slower than a quiet machine this one runs (scales test deadlines); unset, measured at start',
    optionalText,
    'tools',
  ),
  testRedisUrl: variable(
    'TEST_REDIS_URL',
    '`redis://127.0.0.1:6379`',
    'tests: the Redis the shared-store tests use (under a random key prefix)',
    optionalText,
    'tools',
  ),
  pgTestBaseUri: variable(
    'PG_TEST_BASE_URI',
    '`postgres://postgres@127.0.0.1:5432/`',
    "tests: the PostgreSQL server of `npm test`'s PostgreSQL leg (each test file creates and drops its own `test_<random>` database there)",
    text('postgres://postgres@127.0.0.1:5432/'),
    'tools',
  ),
  mongodbUri: variable(
    'MONGODB_URI',
    'none',
    'tests: also run the integration suite on this MongoDB',
    optionalText,
    'tools',
  ),
  mongomsSystemBinary: variable(
    'MONGOMS_SYSTEM_BINARY',
    'none',
    'tests: a `mongod` binary for mongodb-memory-server',
    optionalText,
    'tools',
  ),
  corpusDir: variable(
    'CORPUS_DIR',
    '`../shared/corpus`',
    'tests and benchmarks: the real archive, when present',
    text('../shared/corpus'),
    'tools',
  ),
  sharedDir: variable(
    'SHARED_DIR',
    'parent of `CORPUS_DIR`',
    '`npm run judge` and the corpus test: the folder holding `tools/fidelity.mjs`',
    optionalText,
    'tools',
  ),
} as const

type Table = typeof variables
/** The typed settings: one property per variable of the table. */
export type Settings = { readonly [K in keyof Table]: ReturnType<Table[K]['parse']> }

/** The whole problem with the environment: every bad variable, each with its fix. */
export class SettingsError extends Error {
  constructor(readonly problems: SettingError[]) {
    super(
      `The environment has ${problems.length} bad setting${problems.length === 1 ? '' : 's'} ` +
        `(see README, "Environment"):\n${problems.map((p) => `- ${p.message}`).join('\n')}`,
    )
    this.name = 'SettingsError'
  }
}

/** One variable's text as its typed value, checked as `settings()` checks it. */
export const parseSetting = <K extends keyof Table>(key: K, raw: string | undefined): Settings[K] =>
  variables[key].parse(raw, variables[key].env) as Settings[K]

/** Reads and checks every variable of `env`; throws a `SettingsError` naming each bad one. */
export const readSettings = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): Settings => {
  const problems: SettingError[] = []
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(variables) as [string, Variable<unknown>][]) {
    try {
      out[key] = spec.parse(env[spec.env], spec.env)
    } catch (err) {
      if (!(err instanceof SettingError)) throw err
      problems.push(err)
    }
  }
  if (problems.length > 0) throw new SettingsError(problems)
  return Object.freeze(out) as Settings
}

let cached: { key: string; settings: Settings } | undefined

/**
 * The settings of this process. Read from `process.env` once and kept while it holds the same
 * values; a test (or a script) that changes a variable gets the new value on its next call.
 */
export const settings = (): Settings => {
  const key = Object.values(variables)
    .map((spec) => process.env[spec.env] ?? '\u0000')
    .join('\u0001')
  if (cached?.key !== key) cached = { key, settings: readSettings(process.env) }
  return cached.settings
}

/**
 * Outside production, Payload checks at start that every installed `@payloadcms/*` package has
 * `payload`'s exact version and, on a mismatch, fails the process with an unhandled rejection.
 * `@payloadcms/storage-s3` and its `@payloadcms/plugin-cloud-storage` have no 3.90.2 (the newest is
 * 3.90.1, whose peer is payload 3.90.1; package.json's `overrides` hold them to our payload), so
 * that check is turned off here and test/unit/payload-versions.test.ts makes the same check with
 * these two named exceptions.
 */
export const acceptStoragePluginVersion = (): void => {
  process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER = 'true'
}

/** The README's environment table, generated from the table above. */
export const environmentTable = (): string => {
  const rows = Object.values(variables).map(
    (spec: Variable<unknown>) =>
      `| \`${spec.env}\` | ${spec.shown} | ${spec.audience === 'tools' ? 'tests and tools: ' : ''}${spec.doc} |`,
  )
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}
