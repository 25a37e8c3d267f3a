import { APIError, type CollectionSlug, type Endpoint, type PayloadRequest } from 'payload'

import { isEditorUser, isStaffUser } from '../access/roles'
import { REPORT_KINDS, reportRows, type ReportKind } from './importRows'

/** The collections whose writes the desk's cards show (posts through their versions). */
const WATCHED: CollectionSlug[] = ['sources', 'import-runs', 'payload-jobs']

const latestUpdate = async (req: PayloadRequest, collection: CollectionSlug): Promise<string> => {
  if (!req.payload.collections[collection]) return '-'
  const { docs } = await req.payload.db.find({
    collection,
    limit: 1,
    pagination: false,
    sort: '-updatedAt',
    select: { updatedAt: true },
    req,
  })
  return String((docs[0] as { updatedAt?: string } | undefined)?.updatedAt ?? '-')
}

/**
 * What the desk shows can have changed since this value: every post save (drafts are versions),
 * post deletions (the count), and every write to sources, import runs and jobs. Each part is one
 * indexed read (the newest `updatedAt`, a count), so polling it every few seconds costs the server
 * milliseconds where re-running the cards' queries cost a second at 64k posts.
 */
export const readDeskVersion = async (req: PayloadRequest): Promise<string> => {
  const [postVersions, posts, ...others] = await Promise.all([
    req.payload.db.findVersions({
      collection: 'posts',
      limit: 1,
      pagination: false,
      sort: '-updatedAt',
      select: { updatedAt: true },
      req,
    }),
    req.payload.db.count({ collection: 'posts', req }),
    ...WATCHED.map((collection) => latestUpdate(req, collection)),
  ])
  const newestPostSave = (postVersions.docs[0] as { updatedAt?: string } | undefined)?.updatedAt
  return [newestPostSave ?? '-', posts.totalDocs, ...others].join('|')
}

/**
 * `GET /api/newsroom/desk/version` → `{ version }`: an opaque value that changes whenever what the
 * desk shows may have changed. The dashboard polls this instead of its cards' queries and reloads
 * the cards only when it moves. Staff only.
 */
export const deskVersionEndpoint: Endpoint = {
  path: '/newsroom/desk/version',
  method: 'get',
  handler: async (req) => {
    if (!req.user) throw new APIError('Sign in to see the desk.', 401)
    if (!isStaffUser(req.user)) throw new APIError('Only newsroom staff may see the desk.', 403)
    return Response.json(
      { version: await readDeskVersion(req) },
      { headers: { 'cache-control': 'no-store' } },
    )
  },
}

const MAX_PAGE_SIZE = 100

const positiveInt = (value: unknown, fallback: number, name: string): number => {
  if (value === undefined || value === null || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new APIError(`"${name}" must be a positive integer.`, 400)
  return n
}

/**
 * `GET /api/newsroom/import-runs/:id/report?kind=failed|conflict&page=1&limit=20` → one page of a
 * run's report rows of that kind: `{ rows, totalDocs, page, totalPages, limit }`. The runs list
 * selects only the summary fields (IMPORT_RUN_SUMMARY_FIELDS); the report (one row per file, 20 MB
 * for the 64k archive) is read here, when an editor opens it, and only a page is sent. Editors only,
 * as the collection's read access.
 */
export const importReportEndpoint: Endpoint = {
  path: '/newsroom/import-runs/:id/report',
  method: 'get',
  handler: async (req) => {
    if (!req.user) throw new APIError('Sign in to see import reports.', 401)
    if (!isEditorUser(req.user)) throw new APIError('Only editors may see import reports.', 403)
    const kind = String(req.query.kind ?? 'failed')
    if (!(kind in REPORT_KINDS))
      throw new APIError(`"kind" must be one of: ${Object.keys(REPORT_KINDS).join(', ')}.`, 400)
    const limit = Math.min(positiveInt(req.query.limit, 20, 'limit'), MAX_PAGE_SIZE)
    const page = positiveInt(req.query.page, 1, 'page')
    const id = String(req.routeParams?.id ?? '')
    const run = await req.payload.findByID({
      collection: 'import-runs',
      id,
      depth: 0,
      select: { report: true },
      overrideAccess: false,
      user: req.user,
      req,
    })
    const matching = reportRows(run.report).filter(REPORT_KINDS[kind as ReportKind])
    const totalPages = Math.max(1, Math.ceil(matching.length / limit))
    return Response.json(
      {
        rows: matching.slice((page - 1) * limit, page * limit),
        totalDocs: matching.length,
        page,
        totalPages,
        limit,
      },
      { headers: { 'cache-control': 'no-store' } },
    )
  },
}
