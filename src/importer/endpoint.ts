import { addDataAndFileToRequest, type Endpoint, type PayloadRequest } from 'payload'

import { isEditorUser } from '../access/roles'
import { ArchiveDirError, resolveArchiveDir } from './task'

/** The importer's jobs task (issue 3) that imports `ARCHIVE_DIR`. */
export const IMPORT_TASK: string = 'importArchive'

/** Who may import: editors and admins. A refusal as a response, or undefined when allowed. */
const refuseNonEditors = (req: PayloadRequest): Response | undefined => {
  if (!req.user) {
    return Response.json({ errors: [{ message: 'Sign in to start an import.' }] }, { status: 401 })
  }
  if (!isEditorUser(req.user)) {
    return Response.json(
      { errors: [{ message: 'Only editors and admins can start an import.' }] },
      { status: 403 },
    )
  }
  return undefined
}

/** What an import started now would do: the folder it imports, or why it cannot start. */
export type ImportReadiness =
  | { ready: true; archiveDir: string }
  | { ready: false; reason: string; /** what POST answers */ status: 409 | 501 }

/** The server's answer to "can an import start here?", the check `POST` makes before queueing. */
export const importReadiness = (req: PayloadRequest): ImportReadiness => {
  const tasks = req.payload.config.jobs?.tasks ?? []
  if (!tasks.some((task) => task.slug === IMPORT_TASK)) {
    return {
      ready: false,
      reason: `The "${IMPORT_TASK}" task is not registered: this server has no importer.`,
      status: 501,
    }
  }
  try {
    return { ready: true, archiveDir: resolveArchiveDir() }
  } catch (err) {
    if (!(err instanceof ArchiveDirError)) throw err
    return { ready: false, reason: err.message, status: 409 }
  }
}

/**
 * GET /api/newsroom/import: whether the import button would work, and on which folder (`{ ready:
 * true, archiveDir }`), or why not (`{ ready: false, reason }`: ARCHIVE_DIR unset, unreadable, no
 * importer). The import panel offers the button only when it would work, and names the folder the
 * server would import, not the folder of the last run (which the CLI may have imported from anywhere).
 */
export const importReadinessEndpoint: Endpoint = {
  path: '/newsroom/import',
  method: 'get',
  handler: (req) => {
    const refusal = refuseNonEditors(req)
    if (refusal) return refusal
    const readiness = importReadiness(req)
    return Response.json(
      readiness.ready
        ? { ready: true, archiveDir: readiness.archiveDir }
        : { ready: false, reason: readiness.reason },
    )
  },
}

/**
 * POST /api/newsroom/import `{ dryRun?: boolean }`: queues an import of the server's archive
 * (ARCHIVE_DIR) as a background job, for editors and admins. The folder is the server's; a client
 * cannot point the importer anywhere else. The jobs cron of the server runs it; the run reports its
 * progress and result in the `import-runs` collection.
 */
export const startImportEndpoint: Endpoint = {
  path: '/newsroom/import',
  method: 'post',
  handler: async (req) => {
    const refusal = refuseNonEditors(req)
    if (refusal) return refusal
    const readiness = importReadiness(req)
    if (!readiness.ready) {
      return Response.json(
        { errors: [{ message: readiness.reason }] },
        { status: readiness.status },
      )
    }
    await addDataAndFileToRequest(req)
    const dryRun = req.data?.dryRun === true
    // Queued as the server, not through this REST request: the jobs collection refuses non-admins
    // queueing jobs over the API (src/jobs/guardJobs.ts), and who may import was decided above.
    // Typed loosely: the task's input type exists only once the importer's task is registered.
    const job = await req.payload.jobs.queue({
      task: IMPORT_TASK,
      input: { dryRun },
    } as Parameters<typeof req.payload.jobs.queue>[0])
    req.payload.logger.info(
      `Import queued as job ${job.id} by user ${req.user?.id}${dryRun ? ' (dry run)' : ''}`,
    )
    return Response.json({ jobId: job.id, dryRun }, { status: 202 })
  },
}
