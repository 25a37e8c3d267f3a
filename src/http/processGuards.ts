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
