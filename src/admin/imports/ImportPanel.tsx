'use client'
import './../newsroom.scss'

import { Button, toast } from '@payloadcms/ui'
import Link from 'next/link'
import React, { useCallback, useEffect, useState } from 'react'

import { DeskVersionProvider, useDeskQuery, useDeskVersion } from '../Dashboard/deskVersion'
import {
  importRunSummarySelect,
  isConflictRow,
  isNotImportedRow,
  type ReportKind,
  type ReportRow,
} from '../importRows'
import { apiFetch, useFormatDate, useNewsroomTranslation, useRoutes } from '../shared'
import type { NewsroomTranslationKeys } from '../translations'

export { isConflictRow, isNotImportedRow }

/** An import run as the desk lists it: the summary fields, never the report (see importRows.ts). */
export type ImportRun = {
  id: number | string
  status?: string | null
  startedAt?: string | null
  finishedAt?: string | null
  archiveDir?: string | null
  dryRun?: boolean | null
  summary?: Record<string, unknown> | null
  progress?: { done?: number | null; total?: number | null } | null
  error?: string | null
}

const RUNNING = new Set(['queued', 'pending', 'running', 'processing', 'started'])

/** Rows of a report shown per page. */
const REPORT_PAGE_SIZE = 20

const text = (value: unknown): string =>
  value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value)

const rowFile = (row: ReportRow) => text(row.file ?? row.path ?? row.archiveFile ?? row.source)
const rowReason = (row: ReportRow) => text(row.reason ?? row.error ?? row.message ?? row.errors)

/** Numbers in a run's summary that are not counts of files. */
const NOT_COUNTS = new Set(['durationMs'])

/** The counts of a run's summary (files, created, updated, failed, ...), in the importer's order. */
const counts = (run: ImportRun): Array<[string, number]> =>
  Object.entries(run.summary ?? {}).filter(
    (e): e is [string, number] => typeof e[1] === 'number' && !NOT_COUNTS.has(e[0]),
  )

/** Our label of a summary count or run status when we have one, else the importer's own word. */
const useLabel = () => {
  const { t, i18n } = useNewsroomTranslation()
  return (prefix: 'count' | 'run', key: string) => {
    const full = `newsroom:${prefix}_${key}` as NewsroomTranslationKeys
    return i18n.translations.newsroom && `${prefix}_${key}` in i18n.translations.newsroom
      ? t(full)
      : key
  }
}

type ReportPage = { rows: ReportRow[]; totalDocs: number; page: number; totalPages: number }

/** One page of a run's report rows of one kind, read from the server when shown. */
const useReportPage = (run: ImportRun, kind: ReportKind, page: number) => {
  const runId = run.id
  // A finished run's report never changes: reload it when this run moves, not on every desk change.
  const runState = `${run.status}|${run.finishedAt}`
  const routes = useRoutes()
  const load = useCallback(() => {
    const params = new URLSearchParams({
      kind,
      page: String(page),
      limit: String(REPORT_PAGE_SIZE),
    })
    return apiFetch<ReportPage>(
      `${routes.api}/newsroom/import-runs/${encodeURIComponent(String(runId))}/report?${params}`,
    )
  }, [routes.api, runId, kind, page])
  return useDeskQuery(load, { reloadOn: runState })
}

const Pager: React.FC<{ page: number; totalPages: number; onPage: (page: number) => void }> = ({
  page,
  totalPages,
  onPage,
}) => {
  const { t } = useNewsroomTranslation()
  if (totalPages <= 1) return null
  return (
    <div className="nr-pager">
      <button
        className="nr-link-button"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
        type="button"
      >
        {t('newsroom:previousPage')}
      </button>{' '}
      <span className="nr-muted">{t('newsroom:reportPage', { page, pages: totalPages })}</span>{' '}
      <button
        className="nr-link-button"
        disabled={page >= totalPages}
        onClick={() => onPage(page + 1)}
        type="button"
      >
        {t('newsroom:nextPage')}
      </button>
    </div>
  )
}

/** A paged table of a run's report rows of one kind (conflicts, or files not imported). */
const ReportRows: React.FC<{
  run: ImportRun
  kind: ReportKind
  heading: string
  empty: string
  testId: string
  columns: string[]
  cells: (row: ReportRow) => React.ReactNode[]
}> = ({ run, kind, heading, empty, testId, columns, cells }) => {
  const { t } = useNewsroomTranslation()
  const [page, setPage] = useState(1)
  const report = useReportPage(run, kind, page)
  return (
    <>
      <h5>
        {heading} ({report.data?.totalDocs ?? '…'})
      </h5>
      {report.error ? (
        <p className="nr-muted">{t('newsroom:couldNotLoad', { message: report.error })}</p>
      ) : !report.data ? (
        <p className="nr-muted">{t('newsroom:loading')}</p>
      ) : report.data.totalDocs === 0 ? (
        <p className="nr-muted">{empty}</p>
      ) : (
        <>
          <table className="nr-table" data-testid={testId}>
            <thead>
              <tr>
                {columns.map((column, i) => (
                  <th key={i}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {report.data.rows.map((row, i) => (
                <tr key={`${rowFile(row)}-${i}`}>
                  {cells(row).map((cell, j) => (
                    <td key={j}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager onPage={setPage} page={report.data.page} totalPages={report.data.totalPages} />
        </>
      )}
    </>
  )
}

/**
 * The report of one import run: its counts, the conflicts (posts it left alone, with a link to each)
 * and the rows that failed with their reasons, each a page at a time from the server.
 */
export const ImportReport: React.FC<{ run: ImportRun }> = ({ run }) => {
  const { t } = useNewsroomTranslation()
  const label = useLabel()
  const routes = useRoutes()
  return (
    <div className="nr-report" data-testid="import-report">
      <dl className="nr-counts">
        {counts(run).map(([key, value]) => (
          <div key={key} data-testid={`import-count-${key}`}>
            <dt>{label('count', key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <ReportRows
        cells={(row) => [
          <code key="file">{rowFile(row)}</code>,
          rowReason(row),
          row.id != null && (
            <Link
              href={`${routes.admin}/collections/posts/${encodeURIComponent(text(row.id))}`}
              key="open"
              prefetch={false}
            >
              {t('newsroom:openPost')}
            </Link>
          ),
        ]}
        columns={[t('newsroom:file'), t('newsroom:reason'), '']}
        empty={t('newsroom:noConflictRows')}
        heading={t('newsroom:conflictRows')}
        kind="conflict"
        run={run}
        testId="import-conflict-rows"
      />
      <ReportRows
        cells={(row) => [
          <code key="file">{rowFile(row)}</code>,
          <span className={`nr-pill nr-pill--${text(row.status)}`} key="status">
            {text(row.status)}
          </span>,
          rowReason(row),
        ]}
        columns={[t('newsroom:file'), t('newsroom:runStatus'), t('newsroom:reason')]}
        empty={t('newsroom:noFailedRows')}
        heading={t('newsroom:failedRows')}
        kind="failed"
        run={run}
        testId="import-failed-rows"
      />
    </div>
  )
}

/** One run: its status, times, counts (or progress), and its report when opened. */
const RunRow: React.FC<{ run: ImportRun; isOpen: boolean; toggle: () => void }> = ({
  run,
  isOpen,
  toggle,
}) => {
  const { t } = useNewsroomTranslation()
  const label = useLabel()
  const routes = useRoutes()
  const formatDate = useFormatDate('–')
  return (
    <>
      <tr data-testid="import-run" data-status={run.status ?? ''}>
        <td>
          <span className={`nr-pill nr-pill--${run.status}`}>
            {label('run', String(run.status))}
          </span>
          {run.dryRun ? ` (${t('newsroom:importDryRun')})` : ''}
        </td>
        <td>{formatDate(run.startedAt)}</td>
        <td>{formatDate(run.finishedAt)}</td>
        <td>
          {RUNNING.has(String(run.status)) && run.progress?.total
            ? `${run.progress.done ?? 0} / ${run.progress.total}`
            : counts(run)
                .map(([k, v]) => `${label('count', k)} ${v}`)
                .join(' · ')}
          {run.error && <div className="nr-error">{run.error.split('\n')[0]}</div>}
        </td>
        <td>
          <button className="nr-link-button" onClick={toggle} type="button">
            {isOpen ? t('newsroom:hideReport') : t('newsroom:showReport')}
          </button>{' '}
          <Link href={`${routes.admin}/collections/import-runs/${run.id}`} prefetch={false}>
            {t('newsroom:openRun')}
          </Link>
        </td>
      </tr>
      {isOpen && (
        <tr>
          <td colSpan={5}>
            <ImportReport run={run} />
          </td>
        </tr>
      )}
    </>
  )
}

/** The last runs, newest first; one report open at a time. */
const RunsTable: React.FC<{
  runs: ImportRun[]
  open: number | string | undefined
  setOpen: (id: number | string | undefined) => void
}> = ({ runs, open, setOpen }) => {
  const { t } = useNewsroomTranslation()
  return (
    <table className="nr-table" data-testid="import-runs">
      <thead>
        <tr>
          <th>{t('newsroom:runStatus')}</th>
          <th>{t('newsroom:runStarted')}</th>
          <th>{t('newsroom:runFinished')}</th>
          <th>{t('newsroom:runCounts')}</th>
          <th>{t('newsroom:report')}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <RunRow
            isOpen={open === run.id}
            key={run.id}
            run={run}
            toggle={() => setOpen(open === run.id ? undefined : run.id)}
          />
        ))}
      </tbody>
    </table>
  )
}

/** The last five runs, newest first. */
const useLastRuns = (api: string) => {
  const load = useCallback(async () => {
    const params = importRunSummarySelect()
    params.set('sort', '-createdAt')
    params.set('limit', '5')
    params.set('depth', '0')
    const body = await apiFetch<{ docs: ImportRun[] }>(`${api}/import-runs?${params}`)
    return body.docs
  }, [api])
  return useDeskQuery(load)
}

/** What the server would import (GET /api/newsroom/import, src/importer/endpoint.ts). */
type ImportReadiness = { ready: true; archiveDir: string } | { ready: false; reason: string }

/** Whether an import can start here, asked once: ARCHIVE_DIR changes only with a restart. */
const useImportReadiness = (api: string) => {
  const load = useCallback(() => apiFetch<ImportReadiness>(`${api}/newsroom/import`), [api])
  return useDeskQuery(load, { reloadOn: api })
}

/** The folder the server would import, never the last run's (the CLI imports any folder), or why not. */
const ArchiveHint: React.FC<{ readiness?: ImportReadiness }> = ({ readiness }) => {
  const { t } = useNewsroomTranslation()
  if (readiness?.ready === false)
    return (
      <p className="nr-hint" data-testid="import-unavailable">
        {t('newsroom:importUnavailable', { reason: readiness.reason })}
      </p>
    )
  return (
    <p className="nr-hint">
      {t('newsroom:importRunsHint', {
        dir: readiness?.archiveDir ?? t('newsroom:importArchiveDir'),
      })}
    </p>
  )
}

/** The panel itself, inside a DeskVersionProvider. */
const ImportPanelBody: React.FC = () => {
  const { t } = useNewsroomTranslation()
  const routes = useRoutes()
  const desk = useDeskVersion()
  const [dryRun, setDryRun] = useState(false)
  const [starting, setStarting] = useState(false)
  const [queuedAt, setQueuedAt] = useState<number | undefined>()
  const [open, setOpen] = useState<number | string | undefined>()

  // Reloaded when the desk's version moves: a run's progress and end are writes to import-runs.
  const runs = useLastRuns(routes.api)
  const readiness = useImportReadiness(routes.api).data

  const latest = runs.data?.[0]
  const latestIsRunning = Boolean(latest && RUNNING.has(String(latest.status)))
  const waitingForRun =
    queuedAt !== undefined &&
    !(latest?.startedAt && new Date(latest.startedAt).getTime() >= queuedAt - 5000)
  const busy = latestIsRunning || waitingForRun

  useEffect(() => {
    // Once a run appears for the import just started, show its report without a click.
    if (queuedAt !== undefined && latest && !waitingForRun) {
      setOpen(latest.id)
      setQueuedAt(undefined)
    }
  }, [latest, queuedAt, waitingForRun])

  const start = async () => {
    setStarting(true)
    try {
      await apiFetch(`${routes.api}/newsroom/import`, {
        method: 'POST',
        body: JSON.stringify({ dryRun }),
      })
      setQueuedAt(Date.now())
      toast.success(t('newsroom:importQueued'))
      desk?.refresh()
    } catch (err) {
      toast.error(
        t('newsroom:importFailedToStart', {
          message: err instanceof Error ? err.message : String(err),
        }),
      )
    } finally {
      setStarting(false)
    }
  }

  return (
    <div className="nr-card nr-import" data-testid="desk-imports">
      <h3>{t('newsroom:importRuns')}</h3>
      <ArchiveHint readiness={readiness} />
      <div className="nr-import__start">
        <Button
          buttonStyle="secondary"
          disabled={starting || busy || readiness?.ready !== true}
          id="newsroom-start-import"
          onClick={() => void start()}
          size="small"
        >
          {t('newsroom:startImport')}
        </Button>
        <label className="nr-checkbox">
          <input checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} type="checkbox" />{' '}
          {t('newsroom:importDryRun')}
        </label>
        {waitingForRun && <span className="nr-muted">{t('newsroom:importQueued')}</span>}
      </div>
      <h4>{t('newsroom:lastRuns')}</h4>
      {runs.error && (
        <p className="nr-muted">{t('newsroom:importRunsUnavailable', { message: runs.error })}</p>
      )}
      {!runs.data && !runs.error && <p className="nr-muted">{t('newsroom:loading')}</p>}
      {runs.data?.length === 0 && <p className="nr-muted">{t('newsroom:nothingHere')}</p>}
      {runs.data && runs.data.length > 0 && (
        <RunsTable open={open} runs={runs.data} setOpen={setOpen} />
      )}
    </div>
  )
}

/**
 * Starts an import of the server's ARCHIVE_DIR as a background job (POST /api/newsroom/import queues
 * the importer's `importArchive` task) and follows the `import-runs` it produces: status while it
 * runs, then its counts and a report read page by page. On the dashboard it follows the desk's
 * version counter; on the import runs list it polls its own.
 */
export const ImportPanel: React.FC = () =>
  useDeskVersion() ? (
    <ImportPanelBody />
  ) : (
    <DeskVersionProvider>
      <ImportPanelBody />
    </DeskVersionProvider>
  )
