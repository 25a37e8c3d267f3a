import '../../src/preload'

import { startServer, type RunningServer, type ServerOptions } from '../../src/server'

/**
 * Starts the real Express server in this test process on 127.0.0.1 and a free port, on the database
 * the environment names (in-memory SQLite by default). The admin (Next.js) is off unless asked for,
 * since API tests do not need it.
 */
export const startTestServer = (options: ServerOptions = {}): Promise<RunningServer> =>
  startServer({ host: '127.0.0.1', port: 0, admin: false, ...options })

/** Logs in over REST and returns the `Authorization` header value for that user. */
export const login = async (baseUrl: string, email: string, password: string): Promise<string> => {
  const res = await fetch(`${baseUrl}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!res.ok) throw new Error(`login of ${email} failed: ${res.status} ${await res.text()}`)
  const { token } = (await res.json()) as { token: string }
  return `JWT ${token}`
}

/** POSTs a GraphQL query, optionally as a logged-in user. */
export const graphql = async (
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  authorization?: string,
) => {
  const res = await fetch(`${baseUrl}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } }
}
