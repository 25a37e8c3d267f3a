import type { Payload } from 'payload'

import { AdapterSink, SqliteBulkSink } from './adapter'
import { DryRunSink } from './dryRun'
import { isSqlite } from './internals'
import { LocalApiSink } from './localApi'
import type { ImportSink, SinkOptions } from './sink'

export type SinkKind = ImportSink['kind']
export type { ImportSink } from './sink'
export type { ExistingPost, PostPlan } from './plan'

/**
 * The one write path of a run, chosen once: a dry run reads and writes nothing; otherwise the SQLite
 * bulk sink on SQLite, the Local API (hooks run) elsewhere, unless a kind is asked for.
 */
export const chooseSink = (
  payload: Payload,
  options: SinkOptions & { dryRun?: boolean; kind?: Exclude<SinkKind, 'dry-run'> },
): ImportSink => {
  if (options.dryRun) return new DryRunSink(payload, options)
  const kind = options.kind ?? (isSqlite(payload) ? 'sqlite-bulk' : 'local-api')
  if (kind === 'sqlite-bulk' && !isSqlite(payload))
    throw new Error('the sqlite-bulk sink needs the SQLite adapter')
  switch (kind) {
    case 'sqlite-bulk':
      return new SqliteBulkSink(payload, options)
    case 'adapter':
      return new AdapterSink(payload, options)
    case 'local-api':
      return new LocalApiSink(payload, options)
  }
}
