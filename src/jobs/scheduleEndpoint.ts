import { APIError, type Endpoint } from 'payload'

import { isStaffUser } from '../access/roles'
import { readSchedule } from './schedule'

/**
 * `GET /api/newsroom/schedule` — the publishing schedule for the admin's dashboard panel. Keep the
 * contract stable:
 *
 *   200: `{ "upcoming": ScheduleEntry[], "overdue": ScheduleEntry[] }`, each soonest first, where
 *        ScheduleEntry = `{ postId, title, action: "publish" | "unpublish", waitUntil (ISO, UTC),
 *        timezone? (IANA, as chosen in the schedule drawer), jobId, error? (overdue jobs that failed) }`
 *   401: not logged in; 403: not newsroom staff
 *
 * "Overdue" means pending more than JOBS_OVERDUE_AFTER_SECONDS (60) past its time; see src/jobs/schedule.ts.
 */
export const scheduleEndpoint: Endpoint = {
  path: '/newsroom/schedule',
  method: 'get',
  handler: async (req) => {
    if (!req.user) throw new APIError('You must be logged in to see the publishing schedule.', 401)
    if (!isStaffUser(req.user))
      throw new APIError('Only newsroom staff may see the publishing schedule.', 403)
    const schedule = await readSchedule(req)
    return Response.json(schedule, { headers: { 'cache-control': 'no-store' } })
  },
}
