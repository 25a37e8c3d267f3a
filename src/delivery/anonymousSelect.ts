import type {
  CollectionBeforeOperationHook,
  FlattenedField,
  SanitizedCollectionConfig,
  SelectType,
} from 'payload'

import { staffField } from '../access/roles'

/**
 * Fields a REST read by a reader leaves out unless its `select` names them: the editor's Lexical
 * JSON, which readers' apps have as `contentHtml` (as Ghost's Content API gives `html` and keeps its
 * editor format to the Admin API). `select[content]=true` still brings it; GraphQL queries name
 * their fields themselves and are not affected.
 */
export const REST_OMITTED_BY_DEFAULT: Record<string, string[]> = { posts: ['content'] }

type Selects = { rest: SelectType; other: SelectType } | null

const selects = new WeakMap<SanitizedCollectionConfig, Selects>()

/**
 * The top-level fields a reader may read (everything but the `staffField` ones), as an include
 * `select`; null when a reader may read every field and nothing is omitted by default, since then
 * no `select` is the cheaper read.
 */
const selectsFor = (collection: SanitizedCollectionConfig): Selects => {
  const known = selects.get(collection)
  if (known !== undefined) return known
  const fields = collection.flattenedFields.filter(
    (field: FlattenedField) => !('access' in field && field.access?.read === staffField),
  )
  const omitted = REST_OMITTED_BY_DEFAULT[collection.slug] ?? []
  const result: Selects =
    fields.length === collection.flattenedFields.length && omitted.length === 0
      ? null
      : {
          other: Object.fromEntries(fields.map((field) => [field.name, true])),
          rest: Object.fromEntries(
            fields.filter((f) => !omitted.includes(f.name)).map((f) => [f.name, true]),
          ),
        }
  selects.set(collection, result)
  return result
}

/**
 * A read by someone who is not signed in, with no `select` of its own, selects the fields readers
 * may see. What it returns is what field access would have left of a full read (less the fields
 * above on REST), but the staff-only fields (workflow log, review, import provenance with the raw
 * front matter) are never loaded: on the 64k archive a post by slug at depth 1 went from ~5.6 to
 * ~3.5 ms of CPU, and its response from 13.5 to ~5 KB.
 * Reads with `overrideAccess` (the Local API's default: feeds, jobs, the importer) are left alone.
 */
export const selectForReaders: CollectionBeforeOperationHook = ({
  args,
  collection,
  operation,
  req,
}) => {
  if (operation !== 'read' || req.user) return args
  const readArgs = args as { overrideAccess?: boolean; select?: SelectType }
  if (readArgs.overrideAccess || readArgs.select) return args
  const chosen = selectsFor(collection)
  if (!chosen) return args
  return { ...args, select: req.payloadAPI === 'REST' ? chosen.rest : chosen.other }
}
