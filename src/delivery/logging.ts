import { defaultLoggerOptions, type Config } from 'payload'

type MaybeRefusal = {
  name?: unknown
  message?: unknown
  status?: unknown
  originalError?: { status?: unknown }
}

/** The HTTP status an error answers with, when it carries one (Payload's APIError, or inside GraphQL's). */
const statusOf = (err: unknown): number | undefined => {
  if (!err || typeof err !== 'object') return undefined
  const e = err as MaybeRefusal
  const status = typeof e.status === 'number' ? e.status : e.originalError?.status
  return typeof status === 'number' ? status : undefined
}

/**
 * Payload's logger, with one change: an error that answers 4xx (a refused request: 400 validation,
 * 401, 403, 404, 413, 429) is written as one line at info instead of a stack at error. Payload logs
 * every APIError at error unless its class is listed in `loggingLevels`, and the newsroom's hooks
 * refuse with plain APIErrors (workflow, jobs, endpoints), so five anonymous refusals wrote 120
 * lines at error and buried the real failures. 5xx stays at error with its stack.
 * Uses pino's `logMethod` hook: https://getpino.io/#/docs/api?id=logmethod
 */
export const refusalsAsInfoLogger = (): NonNullable<Config['logger']> => ({
  destination: defaultLoggerOptions,
  options: {
    hooks: {
      logMethod(args, method, level) {
        const first = args[0] as { err?: unknown; msg?: unknown } | undefined
        const err = first && typeof first === 'object' ? first.err : undefined
        const status = statusOf(err)
        // pino's levels: 50 is error. Only Payload's own `logError` (an `err` and no `msg`): a line
        // of ours that says what happened (an unhandled rejection) keeps its level and words.
        const refusal = status !== undefined && status >= 400 && status < 500
        if (level >= 50 && refusal && first?.msg === undefined) {
          const { name, message } = err as MaybeRefusal
          return this.info(`${String(name)} ${status}: ${String(message)}`)
        }
        return method.apply(this, args)
      },
    },
  },
})
