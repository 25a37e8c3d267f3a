import type { Payload } from 'payload'

import { AdapterSink, BulkSink, hasBulkWriter } from './adapter'
import { DryRunSink } from './dryRun'
import { LocalApiSink } from './localApi'
import type { ImportSink, SinkOptions } from './writer'

/**
 * The post store (README.md): the one place that knows a post's identity (./identity.ts), who owns
 * it and what may be written (./plan.ts), finds posts by key (./lookup.ts) and what they refer to
 * (./related.ts), and writes them in batches (./writer.ts, one write path per run).
 */

export type SinkKind = ImportSink['kind']
export type { ImportSink, SinkOptions, WriteContext } from './writer'
export type { ExistingPost, ItemPlan, PollingSource, PostPlan } from './plan'
export type { FoundPost, PostKeys } from './lookup'
export { planItem, planPost } from './plan'
export { archiveKey, hostOf, isKnownHost, matchKey, normaliseUrl } from './identity'
export { isSqlite } from './sqlite'
export { optimizeDatabase } from './optimizeDatabase'

/**
 * The one write path of a run, chosen once: a dry run reads and writes nothing; otherwise the bulk
 * sink where the database has a bulk writer (SQLite, PostgreSQL: the sink picks it), the Local API
 * (hooks run) elsewhere (MongoDB), unless a kind is asked for.
 */
export const chooseSink = (
  payload: Payload,
  options: SinkOptions & { dryRun?: boolean; kind?: Exclude<SinkKind, 'dry-run'> },
): ImportSink => {
  if (options.dryRun) return new DryRunSink(payload, options)
  const kind = options.kind ?? (hasBulkWriter(payload) ? 'bulk' : 'local-api')
  if (kind === 'bulk' && !hasBulkWriter(payload))
    throw new Error('the bulk sink needs the SQLite or the PostgreSQL adapter')
  switch (kind) {
    case 'bulk':
      return new BulkSink(payload, options)
    case 'adapter':
      return new AdapterSink(payload, options)
    case 'local-api':
      return new LocalApiSink(payload, options)
  }
}
