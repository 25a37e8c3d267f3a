import { addDataAndFileToRequest, type Endpoint } from 'payload'

import { isEditorUser } from '../access/roles'
import { ArchiveDirError, resolveArchiveDir } from './task'

/** The importer's jobs task (issue 3) that imports `ARCHIVE_DIR`. */
export const IMPORT_TASK: string = 'importArchive'

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
    if (!req.user) {
      return Response.json(
        { errors: [{ message: 'Sign in to start an import.' }] },
        { status: 401 },
      )
    }
    if (!isEditorUser(req.user)) {
      return Response.json(
        { errors: [{ message: 'Only editors and admins can start an import.' }] },
        { status: 403 },
      )
    }
    const tasks = req.payload.config.jobs?.tasks ?? []
    if (!tasks.some((task) => task.slug === IMPORT_TASK)) {
      return Response.json(
        {
          errors: [
            {
              message: `The "${IMPORT_TASK}" task is not registered: this server has no importer.`,
            },
          ],
        },
        { status: 501 },
      )
    }
    try {
      resolveArchiveDir()
    } catch (err) {
      if (!(err instanceof ArchiveDirError)) throw err
      return Response.json({ errors: [{ message: err.message }] }, { status: 409 })
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
      `Import queued as job ${job.id} by user ${req.user.id}${dryRun ? ' (dry run)' : ''}`,
    )
    return Response.json({ jobId: job.id, dryRun }, { status: 202 })
  },
}
