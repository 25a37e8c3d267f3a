import type { Payload } from 'payload'
import { settings, type Settings } from '../config'
import { USERS } from '../lib/slugs'

/**
 * On a database with no users: creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when both are
 * set, otherwise says where to create one. Never touches existing accounts.
 */
export const ensureFirstAdmin = async (
  payload: Payload,
  { url, env = settings() }: { url: string; env?: Pick<Settings, 'adminEmail' | 'adminPassword'> },
): Promise<'created' | 'exists' | 'prompted'> => {
  const { totalDocs } = await payload.count({ collection: USERS, overrideAccess: true })
  if (totalDocs > 0) return 'exists'
  const email = env.adminEmail
  const password = env.adminPassword
  if (email && password) {
    await payload.create({
      collection: USERS,
      data: { email, password, name: 'Admin', roles: ['admin'] },
      overrideAccess: true,
    })
    payload.logger.info(
      `Created the first admin user ${email} (from ADMIN_EMAIL / ADMIN_PASSWORD).`,
    )
    return 'created'
  }
  payload.logger.info(
    `No users yet: open ${url}/admin to create the first admin, or restart with ADMIN_EMAIL and ADMIN_PASSWORD set.`,
  )
  return 'prompted'
}
