import type { Payload } from 'payload'

/**
 * Process-level handlers for errors no request handler caught, for the server's own process (not for
 * a test that embeds the server).
 *
 * - An unhandled promise rejection is logged at error and the server keeps serving. A rejection
 *   belongs to one promise chain (one request, one job); nothing else shares its state, and Node's
 *   default (exit) would let a single request stop everyone's reads (Payload 3.90 leaves such a
 *   rejection behind for some query paths: src/delivery/queryPaths.ts).
 * - An uncaught exception is different: it unwound a stack in the middle of some synchronous work
 *   (a callback, an event handler), which may have left shared state (a connection, a transaction,
 *   a cache) half-changed, and Node documents that resuming after it is unsafe. It is logged at
 *   fatal, and the server shuts down the way SIGTERM does (in-flight requests drain) with exit code 1,
 *   for the process manager to start a clean one.
 */
export const guardProcess = (
  payload: Payload,
  shutdown: (reason: string, code: number) => void,
) => {
  process.on('unhandledRejection', (reason) => {
    payload.logger.error({
      err: reason,
      msg: 'Unhandled promise rejection (the server keeps serving)',
    })
  })
  let failing = false
  process.on('uncaughtException', (err) => {
    payload.logger.fatal({ err, msg: 'Uncaught exception: shutting down to restart clean' })
    if (failing) return
    failing = true
    shutdown('uncaught exception', 1)
  })
}

/** Start-up was abandoned because the process was asked to stop (SIGTERM, SIGINT). */
export class StartupAborted extends Error {
  override name = 'StartupAborted'
}

type Log = { info: (msg: string) => void; error: (obj: { err: unknown; msg: string }) => void }

export type ProcessShutdown = {
  /** Aborted once the process was asked to stop: start-up work checks it and gives up. */
  signal: AbortSignal
  /** Throws `StartupAborted` when a stop was asked: call it between start-up steps. */
  throwIfStopping: () => void
  /**
   * Hands over what closes the process's resources (the running server's `close`), and the logger
   * from then on; when a stop was asked meanwhile, closing begins now.
   */
  attach: (close: () => Promise<void>, log?: Log) => void
  /**
   * Stops the process: aborts `signal`, runs the attached `close` (or waits for start-up to give
   * up and call `abandon`) and exits with `code`. Only the first call counts.
   */
  stop: (reason: string, code: number) => void
  /**
   * Start-up ended without a server (it failed, or gave up on `signal`): after a stop, closes what
   * was attached (else `close`) and exits with the stop's code; otherwise reports `err` and exits 1.
   */
  abandon: (
    err: unknown,
    describe: (message: string) => string,
    close?: () => Promise<void>,
  ) => Promise<never>
}

let installed: ProcessShutdown | undefined

/**
 * This process's `installShutdown`, for start-up work that runs deep inside Payload (the
 * ARCHIVE_DIR import runs in a migration); undefined where none was installed (tests, scripts).
 */
export const processShutdown = (): ProcessShutdown | undefined => installed

/**
 * The process's exits, installed before any start-up work (migrating, seeding, importing
 * ARCHIVE_DIR, loading the admin): SIGTERM and SIGINT at any moment stop new work, let in-flight
 * requests drain, close the database and exit 0. Orchestrators send SIGTERM whenever they like;
 * Node's default would kill a starting server with 143 mid-migration.
 *
 * Before the server exists, a stop aborts `signal`; the start-up code gives up at its next step
 * (`throwIfStopping`, or work that takes the signal, e.g. an import), closes what it opened and calls
 * `abandon`. A process that has not exited `forceAfterMs` after the stop exits 1. Installed once per
 * process: a second call returns the first.
 */
export const installShutdown = ({
  forceAfterMs,
  exit = (code: number) => process.exit(code),
}: {
  forceAfterMs: number
  exit?: (code: number) => never | void
}): ProcessShutdown => {
  if (installed) return installed
  const controller = new AbortController()
  let log: Log = {
    info: (msg) => void process.stdout.write(`${msg}\n`),
    error: ({ err, msg }) =>
      void process.stderr.write(`${msg}: ${err instanceof Error ? err.stack : String(err)}\n`),
  }
  let close: (() => Promise<void>) | undefined
  let stopCode: number | undefined
  let closing: Promise<void> | undefined

  const closeAndExit = () =>
    (closing ??= (async () => {
      try {
        await close?.()
      } catch (err) {
        log.error({ err, msg: 'Shutdown failed' })
        exit(1)
        return
      }
      exit(stopCode ?? 0)
    })())

  const stop = (reason: string, code: number) => {
    if (stopCode !== undefined) return
    stopCode = code
    log.info(`${reason}: shutting down`)
    setTimeout(() => {
      log.info(`Shutdown: still running ${forceAfterMs} ms after "${reason}"; exiting`)
      exit(1)
    }, forceAfterMs).unref()
    controller.abort(new StartupAborted(`start-up abandoned: ${reason}`))
    // Without a server yet, start-up gives up at its next step and calls `abandon`.
    if (close) void closeAndExit()
  }
  // The signal may come twice (to the process group, and relayed by tsx): `stop` acts once.
  process.on('SIGTERM', () => stop('SIGTERM received', 0))
  process.on('SIGINT', () => stop('SIGINT received', 0))

  return (installed = {
    signal: controller.signal,
    throwIfStopping: () => {
      if (controller.signal.aborted) throw controller.signal.reason as Error
    },
    attach: (closer, logger) => {
      close = closer
      if (logger) log = logger
      if (stopCode !== undefined) void closeAndExit()
    },
    stop,
    abandon: (err, describe, closer) => {
      close ??= closer
      if (stopCode !== undefined) {
        if (!(err instanceof StartupAborted)) log.error({ err, msg: 'Start-up stopped' })
        void closeAndExit()
      } else {
        const message = err instanceof Error ? err.message : String(err)
        process.stderr.write(`${describe(message)}\n`)
        exit(1)
      }
      // Settles never: the process exits once closed, and nothing after start-up may run meanwhile.
      return new Promise<never>(() => {})
    },
  })
}
