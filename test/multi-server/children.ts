import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

import { scaled } from '../helpers/timing'

const root = path.resolve(import.meta.dirname, '../..')

export type ChildMessage = { ready?: string; blocking?: number | string; pid?: number }

export type ChildServer = {
  url: string
  /** The server's own process id. */
  pid: number
  process: ChildProcess
  /** Sends `signal` to the server's process group (the server and its esbuild service). */
  kill: (signal: NodeJS.Signals) => void
  /** Resolves with the first message (an `@@child` line on stdout) that `match` accepts. */
  waitFor: (match: (message: ChildMessage) => boolean, ms?: number) => Promise<ChildMessage>
  /** SIGTERM (a clean shutdown), resolved when the process has exited. */
  stop: () => Promise<void>
}

/**
 * Starts the real server in a child process (test/multi-server/child.ts) with `env` on top of this
 * process's environment, and resolves once it listens. Its log goes to this process's stderr,
 * each line prefixed with its process id.
 */
export const startChildServer = (
  env: Record<string, string>,
  ms = scaled(90_000),
  /**
   * A command that runs the server, e.g. `['ip', 'netns', 'exec', 'ns1']` for another network
   * namespace; it must exec the server in its own process (the server's pid is the child's).
   * @default []
   */
  prefix: string[] = [],
): Promise<ChildServer> => {
  const { NODE_OPTIONS: _jestFlags, ...inherited } = process.env
  // tsx as a loader in the server's own process: under the tsx CLI a SIGTERM is relayed, and the
  // CLI kills a server that does not acknowledge it within 30 ms (a busy machine).
  const command = [
    ...prefix,
    process.execPath,
    '--import',
    'tsx',
    path.join(import.meta.dirname, 'child.ts'),
  ]
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...inherited, SERVE_ADMIN: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    // A process group of its own, so that a kill reaches its esbuild service too.
    detached: true,
  })
  const messages: ChildMessage[] = []
  const waiters = new Set<() => void>()
  let exited = false
  let buffered = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      const at = line.indexOf('@@child ')
      if (at === -1) {
        // The server's own log, kept for a failing test's output.
        process.stderr.write(`[server ${child.pid}] ${line}\n`)
        continue
      }
      messages.push(JSON.parse(line.slice(at + 8)) as ChildMessage)
      for (const wake of waiters) wake()
    }
  })
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true
      for (const wake of waiters) wake()
      resolve()
    }),
  )

  const waitFor = (match: (message: ChildMessage) => boolean, limit = ms) =>
    new Promise<ChildMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match)
        if (found) done(() => resolve(found))
        else if (exited) done(() => reject(new Error(`server process ${child.pid} exited`)))
      }
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`server process ${child.pid}: nothing within ${limit} ms`))),
        limit,
      )
      const done = (then: () => void) => {
        clearTimeout(timer)
        waiters.delete(check)
        then()
      }
      waiters.add(check)
      check()
    })

  const kill = (signal: NodeJS.Signals) => {
    if (!exited) process.kill(-child.pid!, signal)
  }
  return waitFor((m) => Boolean(m.ready)).then(
    (ready) => ({
      url: ready.ready!,
      pid: ready.pid!,
      process: child,
      kill,
      waitFor,
      stop: async () => {
        kill('SIGTERM')
        await exit
      },
    }),
    (err: unknown) => {
      kill('SIGKILL')
      throw err
    },
  )
}
