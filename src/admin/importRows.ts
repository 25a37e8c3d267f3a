/** One row of an import run's report (the importer keeps one per file; see src/importer). */
export type ReportRow = Record<string, unknown>

/** Row outcomes that left a file out of the archive's posts. */
const NOT_IMPORTED = new Set(['failed', 'error', 'skipped', 'duplicate'])

/** A row of the run's report whose file did not become a post (failed, skipped, duplicate). */
export const isNotImportedRow = (row: ReportRow): boolean =>
  NOT_IMPORTED.has(String(row.status)) || (row.error != null && row.error !== '')

/** A row whose post exists and is not the importer's to overwrite (made or edited by staff). */
export const isConflictRow = (row: ReportRow): boolean => row.status === 'conflict'

/** The rows of a stored report: the importer's `{ rows }`, or a bare array from older runs. */
export const reportRows = (report: unknown): ReportRow[] => {
  if (Array.isArray(report)) return report as ReportRow[]
  if (report && typeof report === 'object' && Array.isArray((report as { rows?: unknown }).rows))
    return (report as { rows: ReportRow[] }).rows
  return []
}

/** The two lists of a report the desk shows, each fetched a page at a time. */
export const REPORT_KINDS = {
  failed: isNotImportedRow,
  conflict: isConflictRow,
} as const

export type ReportKind = keyof typeof REPORT_KINDS

/** The fields of an import run the desk lists: everything but the report (20 MB for 64k files). */
export const IMPORT_RUN_SUMMARY_FIELDS = [
  'runId',
  'status',
  'startedAt',
  'finishedAt',
  'archiveDir',
  'dryRun',
  'summary',
  'progress',
  'error',
] as const

/** The runs list's `select` query parameters: the summary fields, never the report. */
export const importRunSummarySelect = (): URLSearchParams => {
  const params = new URLSearchParams()
  for (const field of IMPORT_RUN_SUMMARY_FIELDS) params.set(`select[${field}]`, 'true')
  return params
}
