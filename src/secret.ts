import { settings, type Settings } from './config'

/** Used only outside production, and said so in the log. */
export const DEVELOPMENT_SECRET = 'development-only-secret-do-not-use-in-production'

/**
 * `PAYLOAD_SECRET` signs sessions and API keys. In production its absence is a start-up error that
 * names the variable; in development a clearly-labelled fixed fallback keeps `npm start` one command.
 */
export const resolveSecret = (
  env: Pick<Settings, 'payloadSecret' | 'production'> = settings(),
): string => {
  if (env.payloadSecret) return env.payloadSecret
  if (env.production) {
    throw new Error(
      'PAYLOAD_SECRET is not set. In production set PAYLOAD_SECRET to a long random string ' +
        '(e.g. `openssl rand -hex 32`) before starting the server.',
    )
  }
  return DEVELOPMENT_SECRET
}
