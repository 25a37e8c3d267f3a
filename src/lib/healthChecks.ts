import type { Config, Payload } from 'payload'

/**
 * A count a feature reports on `/healthz` under its own section (ingest: `failingSources`), so the
 * health endpoint lists what each feature registered instead of importing the features. Counts are
 * informational: they never make the report's `ok` false.
 */
export type HealthCount = {
  /** The report's section, e.g. `ingest`. */
  section: string
  /** The field holding the count, e.g. `failingSources`. */
  field: string
  count: (payload: Payload) => Promise<number>
}

const KEY = 'newsroomHealthCounts'

/** The counts registered on a config (`config.custom`, where Payload keeps what plugins add). */
export const healthCounts = (config: Pick<Config, 'custom'>): HealthCount[] =>
  (config.custom?.[KEY] as HealthCount[] | undefined) ?? []

/** `config` with one more count on `/healthz`. */
export const withHealthCount = (config: Config, check: HealthCount): Config => ({
  ...config,
  custom: { ...config.custom, [KEY]: [...healthCounts(config), check] },
})
