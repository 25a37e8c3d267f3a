'use client'
import './../newsroom.scss'

import { Button, toast } from '@payloadcms/ui'
import Link from 'next/link'
import React, { useCallback, useEffect, useState } from 'react'

import { apiFetch, useNewsroomTranslation, useRoutes } from '../shared'
import type { NewsroomTranslationKeys } from '../translations'

type ReportRow = Record<string, unknown>

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
  report?: ReportRow[] | { rows?: ReportRow[] } | null
}

/** How often runs are re-read while one is queued or running. */
const POLL_MS = 2000

const RUNNING = new Set(['queued', 'pending', 'running', 'processing', 'started'])

const reportRows = (run: ImportRun): ReportRow[] => {
  const report = run.report
  if (Array.isArray(report)) return report
  if (report && Array.isArray(report.rows)) return report.rows
  return []
}

const text = (value: unknown): string =>
  value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value)

/** Row outcomes that left a file out of the archive's posts; the importer keeps one row per file. */
const NOT_IMPORTED = new Set(['failed', 'error', 'skipped', 'duplicate'])

/** A row of the run's report whose file did not become a post (failed, skipped, duplicate). */
export const isNotImportedRow = (row: ReportRow): boolean =>
  NOT_IMPORTED.has(String(row.status)) || (row.error != null && row.error !== '')

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

/** A row whose post exists and is not the importer's to overwrite (made or edited by staff). */
export const isConflictRow = (row: ReportRow): boolean => row.status === 'conflict'

/**
 * The report of one import run: its counts, the conflicts (posts it left alone, with a link to each)
 * and the rows that failed with their reasons.
 */
export const ImportReport: React.FC<{ run: ImportRun }> = ({ run }) => {
  const { t } = useNewsroomTranslation()
  const label = useLabel()
  const routes = useRoutes()
  const failed = reportRows(run).filter(isNotImportedRow)
  const conflicts = reportRows(run).filter(isConflictRow)
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
      <h5>
        {t('newsroom:conflictRows')} ({conflicts.length})
      </h5>
      {conflicts.length === 0 ? (
        <p className="nr-muted">{t('newsroom:noConflictRows')}</p>
      ) : (
        <table className="nr-table" data-testid="import-conflict-rows">
          <thead>
            <tr>
              <th>{t('newsroom:file')}</th>
              <th>{t('newsroom:reason')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {conflicts.map((row, i) => (
              <tr key={`${rowFile(row)}-${i}`}>
                <td>
                  <code>{rowFile(row)}</code>
                </td>
                <td>{rowReason(row)}</td>
                <td>
                  {row.id != null && (
                    <Link
                      href={`${routes.admin}/collections/posts/${encodeURIComponent(text(row.id))}`}
                    >
                      {t('newsroom:openPost')}
                    </Link>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h5>
        {t('newsroom:failedRows')} ({failed.length})
      </h5>
      {failed.length === 0 ? (
        <p className="nr-muted">{t('newsroom:noFailedRows')}</p>
      ) : (
        <table className="nr-table" data-testid="import-failed-rows">
          <thead>
            <tr>
              <th>{t('newsroom:file')}</th>
              <th>{t('newsroom:runStatus')}</th>
              <th>{t('newsroom:reason')}</th>
            </tr>
          </thead>
          <tbody>
            {failed.map((row, i) => (
              <tr key={`${rowFile(row)}-${i}`}>
                <td>
                  <code>{rowFile(row)}</code>
                </td>
                <td>
                  <span className={`nr-pill nr-pill--${text(row.status)}`}>{text(row.status)}</span>
                </td>
                <td>{rowReason(row)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/**
 * Starts an import of the server's ARCHIVE_DIR as a background job (POST /api/newsroom/import queues
 * the importer's `importArchive` task) and follows the `import-runs` it produces: status while it
 * runs, then its counts and failed rows.
 */
export const ImportPanel: React.FC = () => {
  const { t, i18n } = useNewsroomTranslation()
  const label = useLabel()
  const routes = useRoutes()
  const [runs, setRuns] = useState<{ docs?: ImportRun[]; error?: string }>({})
  const [dryRun, setDryRun] = useState(false)
  const [starting, setStarting] = useState(false)
  const [queuedAt, setQueuedAt] = useState<number | undefined>()
  const [open, setOpen] = useState<number | string | undefined>()

  const load = useCallback(async () => {
    try {
      const body = await apiFetch<{ docs: ImportRun[] }>(
        `${routes.api}/import-runs?sort=-createdAt&limit=5&depth=0`,
      )
      setRuns({ docs: body.docs })
    } catch (err) {
      setRuns({ error: err instanceof Error ? err.message : String(err) })
    }
  }, [routes.api])

  const latest = runs.docs?.[0]
  const latestIsRunning = Boolean(latest && RUNNING.has(String(latest.status)))
  const waitingForRun =
    queuedAt !== undefined &&
    !(latest?.startedAt && new Date(latest.startedAt).getTime() >= queuedAt - 5000)
  const busy = latestIsRunning || waitingForRun

  useEffect(() => {
    void load()
    // Poll quickly while something is going on, slowly otherwise.
    const timer = setInterval(() => void load(), busy ? POLL_MS : POLL_MS * 5)
    return () => clearInterval(timer)
  }, [load, busy])

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
      void load()
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

  const formatDate = (value?: null | string) =>
    value ? new Date(value).toLocaleString(i18n.language === 'zh' ? 'zh-CN' : 'en-GB') : '–'

  return (
    <div className="nr-card nr-import" data-testid="desk-imports">
      <h3>{t('newsroom:importRuns')}</h3>
      <p className="nr-hint">
        {t('newsroom:importRunsHint', {
          dir: latest?.archiveDir || t('newsroom:importArchiveDir'),
        })}
      </p>
      <div className="nr-import__start">
        <Button
          buttonStyle="secondary"
          disabled={starting || busy}
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
      {!runs.docs && !runs.error && <p className="nr-muted">{t('newsroom:loading')}</p>}
      {runs.docs?.length === 0 && <p className="nr-muted">{t('newsroom:nothingHere')}</p>}
      {runs.docs && runs.docs.length > 0 && (
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
            {runs.docs.map((run) => (
              <React.Fragment key={run.id}>
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
                    <button
                      className="nr-link-button"
                      onClick={() => setOpen(open === run.id ? undefined : run.id)}
                      type="button"
                    >
                      {open === run.id ? t('newsroom:hideReport') : t('newsroom:showReport')}
                    </button>{' '}
                    <Link href={`${routes.admin}/collections/import-runs/${run.id}`}>
                      {t('newsroom:openRun')}
                    </Link>
                  </td>
                </tr>
                {open === run.id && (
                  <tr>
                    <td colSpan={5}>
                      <ImportReport run={run} />
                    </td>
                  </tr>
                )}
              </React.Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
