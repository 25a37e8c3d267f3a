import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { scaled } from '../helpers/timing'

const root = path.resolve(import.meta.dirname, '../..')

export type ChildServer = {
  url: string
  child: ChildProcess
  /** The server's output so far (stdout and stderr). */
  output: () => string
  /** The exit code, or undefined while it runs. */
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined
  /** Resident memory of the Node process serving, in bytes. */
  rss: () => number
  stop: () => Promise<void>
}

const rssOf = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return kb ? Number(kb) * 1024 : 0
}

/**
 * Runs src/server.ts as its own process, as `npm run serve` does (production, no admin, tsx as a
 * loader in the server's process), on 127.0.0.1 and a free port, so that a crash shows as an exit
 * rather than a failed test runner. Given `timeoutMs` (scaled to the machine's load) to be ready.
 */
export const startChildServer = async (
  env: Record<string, string | undefined>,
  timeoutMs = scaled(60_000),
): Promise<ChildServer> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SERVE_ADMIN: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      PAYLOAD_SECRET: 'hostile-suite-secret',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      resolve()
    }),
  )
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "ready" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    )
    const check = () => {
      const m = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', check)
    child.stderr!.on('data', check)
    void exitedPromise.then(() => {
      clearTimeout(timer)
      reject(new Error(`the server exited before it was ready:\n${output}`))
    })
  })
  return {
    url,
    child,
    output: () => output,
    exited: () => exit,
    rss: () => rssOf(child.pid!),
    stop: async () => {
      if (exit) return
      child.kill('SIGTERM')
      await exitedPromise
    },
  }
}
