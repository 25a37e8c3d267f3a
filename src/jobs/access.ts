import { timingSafeEqual } from 'node:crypto'

import type { RunJobAccess } from 'payload'

import { isAdminUser } from '../access/roles'
import { settings } from '../config'

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * `jobs.access.run` (GET /api/payload-jobs/run, for deployments without the long-running server, e.g. a
 * platform cron): `Authorization: Bearer ${CRON_SECRET}`, or a logged-in admin. With CRON_SECRET
 * unset nobody but admins may trigger a run. Payload answers 401 when this returns false.
 */
export const cronSecretOrAdmins: RunJobAccess = ({ req }) => {
  if (isAdminUser(req.user)) return true
  const secret = settings().cronSecret
  if (!secret) return false
  return sameSecret(req.headers.get('authorization') ?? '', `Bearer ${secret}`)
}
