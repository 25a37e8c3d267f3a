import { APIError, type CollectionBeforeOperationHook } from 'payload'

/**
 * Refuses a REST read by someone not signed in that asks for a deeper population than `maxDepth`:
 * every level multiplies the documents Payload loads (posts -> authors -> their posts -> ...), and
 * Payload's own ceiling (`maxDepth`, 10) is meant for trusted code. A 400 that says the limit,
 * rather than a silently shallower answer. GraphQL has its own depth limit (graphqlDepth.ts).
 */
export const limitDepthForReaders =
  (maxDepth: number): CollectionBeforeOperationHook =>
  ({ args, operation, req }) => {
    if (operation !== 'read' || req.user || req.payloadAPI !== 'REST') return args
    const asked = (args as { depth?: unknown }).depth
    const depth = typeof asked === 'string' ? Number.parseInt(asked, 10) : asked
    if (typeof depth === 'number' && depth > maxDepth) {
      throw new APIError(
        `depth=${depth} is deeper than readers may ask for: at most ${maxDepth}.`,
        400,
        undefined,
        true,
      )
    }
    return args
  }
