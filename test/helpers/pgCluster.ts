import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import pg from 'pg'

import { waitFor } from './timing'

/**
 * PostgreSQL servers a test starts and stops itself: a primary, and a streaming replica of it made
 * with `pg_basebackup`, each in a temporary folder and on a free port of 127.0.0.1, run as the
 * `postgres` OS user (the server refuses root) with Debian's binaries (/usr/lib/postgresql/N/bin).
 * Nothing of the machine's own PostgreSQL is touched.
 */
export const postgresBin = (): string => {
  const root = '/usr/lib/postgresql'
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin/pg_basebackup')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0)
    throw new Error(
      'No PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install Debian\'s "postgresql" (apt-get install -y postgresql), which .ci/run does',
    )
  return path.join(root, versions[0]!, 'bin')
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** Runs a PostgreSQL binary as the postgres user; its output is returned, a failure thrown. */
const asPostgres = (bin: string, tool: string, args: string[]): string =>
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })

export type PgServer = {
  port: number
  dir: string
  /** A URL of `database` on this server. */
  url: (database?: string) => string
  query: <R extends pg.QueryResultRow>(
    database: string,
    text: string,
    values?: unknown[],
  ) => Promise<R[]>
  stop: () => void
}

const server = (bin: string, dir: string, port: number): PgServer => {
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`
  return {
    port,
    dir,
    url,
    query: async (database, text, values) => {
      const client = new pg.Client({ connectionString: url(database) })
      await client.connect()
      try {
        return (await client.query(text, values)).rows
      } finally {
        await client.end()
      }
    },
    stop: () => {
      if (fs.existsSync(path.join(dir, 'postmaster.pid')))
        asPostgres(bin, 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop'])
    },
  }
}

const start = (bin: string, dir: string, port: number, socketDir: string) =>
  asPostgres(bin, 'pg_ctl', [
    '-D',
    dir,
    '-w',
    '-t',
    '120',
    '-l',
    path.join(dir, 'server.log'),
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c fsync=off`,
    'start',
  ])

export type PrimaryAndReplica = {
  primary: PgServer
  replica: PgServer
  /** Resolves when the replica has replayed everything the primary wrote until now. */
  caughtUp: () => Promise<void>
  /** Stops applying the primary's changes on the replica: from now on it lags. */
  pauseReplay: () => Promise<void>
  resumeReplay: () => Promise<void>
  stop: () => void
}

export const startPrimaryAndReplica = async (): Promise<PrimaryAndReplica> => {
  const bin = postgresBin()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-replica-'))
  fs.chmodSync(tmp, 0o755)
  execFileSync('chown', ['postgres', tmp])
  const primaryDir = path.join(tmp, 'primary')
  const replicaDir = path.join(tmp, 'replica')
  const [primaryPort, replicaPort] = [await freePort(), await freePort()]
  asPostgres(bin, 'initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
  // Replication connections match only `replication` lines, never `all`.
  fs.appendFileSync(
    path.join(primaryDir, 'pg_hba.conf'),
    'host replication all 127.0.0.1/32 trust\n',
  )
  start(bin, primaryDir, primaryPort, tmp)
  const primary = server(bin, primaryDir, primaryPort)
  let replica: PgServer | undefined
  const stop = () => {
    try {
      replica?.stop()
      primary.stop()
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  try {
    asPostgres(bin, 'pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
    ])
    start(bin, replicaDir, replicaPort, tmp)
    replica = server(bin, replicaDir, replicaPort)
    const standby = await replica.query<{ r: boolean }>('postgres', 'SELECT pg_is_in_recovery() r')
    if (!standby[0]?.r) throw new Error('the replica is not in recovery: it is not a standby')
  } catch (err) {
    stop()
    throw err
  }
  const theReplica = replica
  return {
    primary,
    replica: theReplica,
    caughtUp: async () => {
      const [{ lsn }] = await primary.query<{ lsn: string }>(
        'postgres',
        'SELECT pg_current_wal_lsn()::text lsn',
      )
      await waitFor('the replica to replay the primary', async () => {
        const [row] = await theReplica.query<{ behind: boolean }>(
          'postgres',
          'SELECT pg_last_wal_replay_lsn() < $1::pg_lsn behind',
          [lsn],
        )
        return row && !row.behind ? true : undefined
      })
    },
    pauseReplay: async () => {
      await theReplica.query('postgres', 'SELECT pg_wal_replay_pause()')
    },
    resumeReplay: async () => {
      await theReplica.query('postgres', 'SELECT pg_wal_replay_resume()')
    },
    stop,
  }
}
