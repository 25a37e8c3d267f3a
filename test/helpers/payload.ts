import '../../src/preload'

import type { Payload } from 'payload'
import { getPayload } from 'payload'

/**
 * Boots Payload with the app's config on the database the environment names (in-memory SQLite by
 * default; MongoDB when the MongoDB leg sets DATABASE_URI). One instance per test file.
 */
export const bootPayload = async (): Promise<Payload> => {
  const { default: config } = await import('../../payload.config')
  return getPayload({ config })
}

/** Creates a user with the given role through the Local API. */
export const createUser = async (
  payload: Payload,
  role: 'admin' | 'editor' | 'writer',
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.test`,
) =>
  payload.create({
    collection: 'users',
    data: { email, password: 'correct horse battery staple', roles: [role], name: role },
    overrideAccess: true,
  })
