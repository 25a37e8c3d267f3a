import type { Payload } from 'payload'

import { SOURCES } from '../lib/slugs'

/** Enabled sources whose last poll failed (a failure streak of one or more). */
export const countFailingSources = async (payload: Payload): Promise<number> => {
  const res = await payload.count({
    collection: SOURCES,
    where: {
      and: [
        { 'ingest.enabled': { equals: true } },
        { 'ingestStatus.failureStreak': { greater_than: 0 } },
      ],
    },
    overrideAccess: true,
  })
  return res.totalDocs
}
