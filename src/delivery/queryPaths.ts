import type {
  CollectionBeforeOperationHook,
  FlattenedField,
  PayloadRequest,
  SanitizedCollectionConfig,
  Where,
} from 'payload'

import { RequestRefused } from '../lib/refusal'

/**
 * Why `path` may not be used in a `where` or `sort` by this request, or undefined when it may.
 *
 * Payload 3.90 checks a path that crosses two relationships (`authors.user.name`) with a check it
 * starts and no longer awaits (`validateSearchParam` pushes onto an array it already handed to
 * `Promise.all`), so a path ending on a field the reader may not query becomes an unhandled
 * rejection that stops the process. Paths are therefore checked here, before Payload sees them, by
 * one general rule: every segment must name a field of the collection it is in, every field on the
 * way must be readable by this request (field `access.read`, `hidden`), and every relationship or
 * join it crosses must lead into a collection this request may read.
 *
 * `strict` (readers): a segment that names no field is refused too, and so is a path crossing more
 * than MAX_READER_HOPS relationships. Signed-in staff are only refused unknown segments past the
 * second relationship, where the same unawaited check would throw; the rest is left to Payload's own
 * validation (the admin builds paths this module need not know). For everyone, a path may not go
 * past a relationship inside a join, which Payload's SQL adapters cannot follow.
 */
export const refusedPath = async (
  collection: SanitizedCollectionConfig,
  path: string,
  req: PayloadRequest,
  strict: boolean,
): Promise<string | undefined> => (await walkPath(collection, path, req, strict)).refused

/** The fields of a version document beside `version` (a versions query may use them). */
const VERSION_FIELDS = new Set(['parent', 'latest', 'autosave', 'snapshot', 'publishedLocale'])

/** `refusedPath`, and the field the path ends on when it is allowed and known. */
/**
 * A path's segments: GraphQL spells nested paths with `__`, as Payload reads them; a versions query
 * names the document's fields under `version.`, beside the version's own (null: one of those).
 */
const segmentsOf = (collection: SanitizedCollectionConfig, path: string): string[] | null => {
  const segments = path.replace(/__/g, '.').split('.')
  if (collection.versions) {
    if (segments.length === 1 && VERSION_FIELDS.has(segments[0])) return null
    if (segments[0] === 'version' && segments.length > 1) return segments.slice(1)
  }
  return segments
}

/** Why a path may not use `field` where the walk reached it, if it may not. */
const refusalOfField = async (
  field: FlattenedField,
  at: {
    path: string
    collection: SanitizedCollectionConfig
    req: PayloadRequest
    crossedJoin: boolean
    hops: number
  },
): Promise<string | undefined> => {
  const { path, collection, req, crossedJoin, hops } = at
  if (field.hidden) return `"${path}" is not a field path of ${collection.slug}`
  const read = 'access' in field ? field.access?.read : undefined
  if (read && !(await read({ req }))) return `"${path}" cannot be queried by this request`
  // Payload's SQL adapters lose the join's table alias for a list of values kept in a table of its
  // own (`hasMany` text, number, select: `tags`), 500 "no such column: posts.id".
  if (crossedJoin && 'hasMany' in field && field.hasMany && !('relationTo' in field))
    return `"${path}" reaches a list of values inside a join`
  // Payload's SQL adapters cannot follow a join of a collection reached through a relationship
  // (`source.posts.title`, `categories.posts`: 500 "Cannot find field for path"): a join can only
  // be crossed from the collection queried.
  if (field.type === 'join' && hops > 0)
    return `"${path}" reaches the join "${field.name}" through a relationship`
  return undefined
}

const walkPath = async (
  collection: SanitizedCollectionConfig,
  path: string,
  req: PayloadRequest,
  strict: boolean,
): Promise<{
  refused?: string
  field?: FlattenedField
  id?: boolean
  /** The rich text or JSON field the path goes inside of. */
  inside?: FlattenedField
}> => {
  const refuse = (refused: string) => ({ refused })
  const segments = segmentsOf(collection, path)
  if (!segments) return {}
  let fields: FlattenedField[] = collection.flattenedFields
  let hops = 0
  let crossedJoin = false
  for (let i = 0; i < segments.length; i++) {
    const segment: string = segments[i]
    if (segment === 'id' || segment === '_id') {
      return i === segments.length - 1 ? { id: true } : refuse(`"${path}" goes past an id`)
    }
    const field: FlattenedField | undefined = fields.find((f) => f.name === segment)
    if (!field) {
      return strict || hops >= 2
        ? refuse(`"${path}" is not a field path of ${collection.slug}`)
        : {}
    }
    const refusal = await refusalOfField(field, { path, collection, req, crossedJoin, hops })
    if (refusal) return refuse(refusal)
    const rest = segments.length - 1 - i
    if (rest === 0) return { field }
    switch (field.type) {
      case 'group':
      case 'array':
      case 'tab':
        fields = field.flattenedFields
        break
      case 'blocks': {
        const next = segments[i + 1]
        if (next === 'blockType') return rest === 1 ? {} : refuse(`"${path}" goes past blockType`)
        // Any block of the field may hold the next segment; readers may query it if one does.
        fields = field.blocks.flatMap((block) =>
          typeof block === 'string' ? [] : block.flattenedFields,
        )
        break
      }
      case 'relationship':
      case 'upload':
      case 'join': {
        // Payload's SQL adapters cannot follow a relationship found inside a join (500: "Cannot find
        // field for path"): a join can only be the last relationship a path crosses.
        if (crossedJoin) return refuse(`"${path}" goes past a relationship inside a join`)
        if (field.type === 'join') crossedJoin = true
        const target = field.type === 'join' ? field.collection : field.relationTo
        // A polymorphic relationship (`rel.relationTo`, `rel.value`) is not walked further.
        if (typeof target !== 'string') {
          return rest === 1 && ['relationTo', 'value'].includes(segments[i + 1])
            ? {}
            : refuse(`"${path}" crosses a relationship to several collections`)
        }
        const related = req.payload.collections[target]?.config
        if (!related) return refuse(`"${path}" is not a field path of ${collection.slug}`)
        const access = related.access?.read
        if (access && !(await access({ req }))) {
          return refuse(`"${path}" cannot be queried by this request`)
        }
        fields = related.flattenedFields
        hops++
        if (strict && hops > MAX_READER_HOPS) {
          return refuse(`"${path}" crosses more than ${MAX_READER_HOPS} relationships`)
        }
        break
      }
      case 'json':
      case 'richText':
        // Payload queries inside JSON by path; there is no access below the field. Whether a filter
        // may go there is decided by the caller (a sort may).
        return { inside: field }
      default:
        return refuse(`"${path}" goes past the field "${segment}"`)
    }
  }
  return {}
}

/**
 * At most this many relationships (or joins) one reader's path may cross: each is a subquery, and
 * Payload's SQL adapter fails (500) on some paths of three (`posts.authors.outlet.x` from sources).
 */
export const MAX_READER_HOPS = 2

/** At most this many conditions in one reader's `where` (each path is checked, and queried). */
export const MAX_READER_CONDITIONS = 50
/** At most this many nested `and`/`or` levels in one reader's `where`. */
export const MAX_READER_NESTING = 8

type Found = { path: string; operators: [string, unknown][]; nested?: Where }

/** Geometry operators: for point fields only, and not on every database (SQLite has none). */
const GEO_OPERATORS = new Set(['near', 'within', 'intersects'])

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The paths a `where` names, with the nested `where` of a relationship `contains` query. */
const pathsOfWhere = (where: unknown, depth: number, found: Found[]): string | undefined => {
  if (!isPlainObject(where)) return undefined
  if (depth > MAX_READER_NESTING) return `the where nests deeper than ${MAX_READER_NESTING} levels`
  for (const [key, constraint] of Object.entries(where)) {
    if (['and', 'or'].includes(key.toLowerCase()) && Array.isArray(constraint)) {
      for (const item of constraint) {
        const refused = pathsOfWhere(item, depth + 1, found)
        if (refused) return refused
      }
      continue
    }
    const entry: Found = { path: key, operators: [] }
    if (isPlainObject(constraint)) {
      for (const [operator, value] of Object.entries(constraint)) {
        entry.operators.push([operator, value])
        if (operator === 'contains' && isPlainObject(value)) entry.nested = value as Where
      }
    }
    found.push(entry)
    if (found.length > MAX_READER_CONDITIONS) {
      return `the where has more than ${MAX_READER_CONDITIONS} conditions`
    }
  }
  return undefined
}

const isScalar = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value)

/**
 * Operators that match text; on SQLite a date compared with `like` made an invalid query (500), on
 * PostgreSQL so did rich text and JSON (`jsonb ~~* unknown`).
 */
const TEXT_OPERATORS = new Set(['like', 'not_like', 'contains'])
const NOT_TEXT = new Set(['date', 'number', 'checkbox', 'point', 'json', 'richText'])

/** Operators that compare with a list of values. */
const LIST_OPERATORS = new Set(['in', 'not_in', 'all'])

/** Operators whose values are compared as the field's own type. */
const COMPARING = new Set([
  'all',
  'equals',
  'not_equals',
  'in',
  'not_in',
  'greater_than',
  'greater_than_equal',
  'less_than',
  'less_than_equal',
])

type ValueKind = 'id' | 'date' | 'number'

/** What the values compared with a path must be: ids, dates, numbers, or anything. */
const kindOf = (
  field: FlattenedField | undefined,
  id: boolean | undefined,
  numericIds: boolean,
): ValueKind | undefined => {
  const target =
    field?.type === 'join'
      ? field.collection
      : field?.type === 'relationship' || field?.type === 'upload'
        ? field.relationTo
        : undefined
  // A polymorphic relationship compares `{ relationTo, value }` objects.
  const relation = typeof target === 'string'
  if ((id || relation) && numericIds) return 'id'
  if (field?.type === 'date') return 'date'
  if (field?.type === 'number') return 'number'
  return undefined
}

const fits = (kind: ValueKind, value: unknown): boolean => {
  if (value === null) return true
  if (kind === 'date') return typeof value === 'string' && Number.isFinite(Date.parse(value))
  if (typeof value === 'boolean') return false
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n)) return false
  return kind === 'number' || Number.isInteger(n)
}

/**
 * Why `value` cannot be compared with `operator`: a list where one value is expected (a repeated
 * query parameter, `equals[0]=`) reached SQLite as an array, `in=a,b` on a numeric id or `greater_than=
 * zzz` on a date as NaN, and `like` on a date as an invalid query; each was a 500.
 */
const refusedValueFor = (
  operator: string,
  value: unknown,
  found: { field?: FlattenedField; id?: boolean },
  path: string,
  numericIds: boolean,
): string | undefined => {
  const { field } = found
  if (TEXT_OPERATORS.has(operator) && field && NOT_TEXT.has(field.type)) {
    return `"${path}" cannot be searched with ${operator}`
  }
  const kind = kindOf(field, found.id, numericIds)
  if (kind && COMPARING.has(operator)) {
    const values =
      LIST_OPERATORS.has(operator) && typeof value === 'string'
        ? value.split(',')
        : Array.isArray(value)
          ? value
          : [value]
    if (!values.every((v) => fits(kind, v))) {
      return `"${path}" ${operator} needs ${kind === 'id' ? 'whole-number ids' : kind === 'date' ? 'dates' : 'numbers'}`
    }
  }
  // An id is not text: `like=1e309` on a relationship became Infinity, which SQLite refuses, and
  // PostgreSQL refuses any `like` on an integer column (`integer ~~* unknown`): both were a 500. A
  // relationship's `contains` with a query object is the nested query, not a text search.
  if (kind === 'id' && TEXT_OPERATORS.has(operator) && !isPlainObject(value)) {
    return `"${path}" cannot be searched with ${operator}: it holds ids (use equals or in)`
  }
  if (isScalar(value)) return undefined
  if (LIST_OPERATORS.has(operator) && Array.isArray(value) && value.every(isScalar)) {
    return undefined
  }
  if (GEO_OPERATORS.has(operator)) return undefined
  const polymorphic =
    (field?.type === 'relationship' || field?.type === 'upload') && Array.isArray(field.relationTo)
  if (isPlainObject(value) && (operator === 'contains' || polymorphic)) return undefined
  return `"${path}" ${operator} needs ${LIST_OPERATORS.has(operator) ? 'a list of values' : 'one value'}`
}

const sortPaths = (sort: unknown): string[] =>
  (Array.isArray(sort) ? sort : typeof sort === 'string' ? [sort] : [])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim().replace(/^-/, ''))
    .filter(Boolean)

/** The collection a path's first segment leads into, for a nested `contains` query. */
const relatedOf = (
  collection: SanitizedCollectionConfig,
  path: string,
  req: PayloadRequest,
): SanitizedCollectionConfig | undefined => {
  const field = collection.flattenedFields.find((f) => f.name === path)
  if (!field) return undefined
  const target =
    field.type === 'join'
      ? field.collection
      : field.type === 'relationship' || field.type === 'upload'
        ? field.relationTo
        : undefined
  return typeof target === 'string' ? req.payload.collections[target]?.config : undefined
}

/** The first refusal among a query's `where` and `sort`, checked against `collection`. */
export const refusedQuery = async (
  collection: SanitizedCollectionConfig,
  query: { where?: unknown; sort?: unknown },
  req: PayloadRequest,
  options: { strict: boolean },
): Promise<string | undefined> => {
  const found: Found[] = []
  const refused = pathsOfWhere(query.where, 0, found)
  if (refused) return refused
  const sorts: Found[] = sortPaths(query.sort).map((path) => ({ path, operators: [] }))
  const paths = [...found, ...sorts]
  const filters = new Set(found)
  for (const entry of paths) {
    const { path, operators, nested } = entry
    const walked = await walkPath(collection, path, req, options.strict)
    const { refused, field, inside } = walked
    if (refused) return refused
    // SQLite: every filter inside a JSON value made an invalid query (500 "no such column:
    // posts.value"); readers are given the rich text as HTML and have no need to filter inside it.
    if (inside && filters.has(entry) && (options.strict || req.payload.db.name === 'sqlite')) {
      return `"${path}" filters inside the ${inside.type === 'richText' ? 'rich text' : 'JSON'} field "${inside.name}"`
    }
    // Readers only: the admin builds its own values, and a 500 for staff is a bug report, not an
    // attack surface.
    const numericIds = req.payload.db.defaultIDType === 'number'
    for (const [operator, value] of options.strict ? operators : []) {
      const refusedValue = refusedValueFor(operator, value, walked, path, numericIds)
      if (refusedValue) return refusedValue
    }
    // The SQL adapters list the operators they implement; one they lack (`all`, the geometry ones on
    // SQLite) was a TypeError inside Payload (500).
    const supported = (req.payload.db as { operators?: Record<string, unknown> }).operators
    for (const [operator] of operators) {
      if (
        (supported && !(operator in supported)) ||
        (GEO_OPERATORS.has(operator) && field?.type !== 'point')
      ) {
        return `"${operator}" is not an operator for "${path}" on this database`
      }
    }
    const related = nested && relatedOf(collection, path, req)
    if (nested && related) {
      const inner = await refusedQuery(related, { where: nested }, req, { strict: options.strict })
      if (inner) return inner
    }
  }
  return undefined
}

type QueryArgs = {
  overrideAccess?: boolean
  where?: Where
  sort?: unknown
  joins?: false | Record<string, false | { where?: Where; sort?: unknown } | undefined>
}

/** The operations whose `where` (and `sort`) Payload validates with the check above. */
const QUERYING = new Set(['read', 'count', 'readDistinct', 'update', 'delete', 'countVersions'])

/**
 * Refuses, with a 400 naming the path, a `where`, `sort` or join query whose path the request may not
 * use (see `refusedPath`). Runs before Payload's own validation for every request that is not
 * `overrideAccess` (REST, GraphQL, the admin); trusted Local API calls are left alone.
 */
export const checkQueryPaths: CollectionBeforeOperationHook = async ({
  args,
  collection,
  operation,
  req,
}) => {
  const queryArgs = args as QueryArgs
  if (queryArgs.overrideAccess || !QUERYING.has(operation)) return args
  const strict = !req.user
  const refused = await refusedQuery(collection, queryArgs, req, { strict })
  if (refused) throw new RequestRefused(`Refused query: ${refused}.`, 400)
  for (const [name, join] of Object.entries(queryArgs.joins || {})) {
    const field = collection.flattenedFields.find((f) => f.name === name)
    if (!field || field.type !== 'join') {
      if (strict) throw new RequestRefused(`Refused query: "${name}" is not a join field.`, 400)
      continue
    }
    const joined =
      typeof field.collection === 'string'
        ? req.payload.collections[field.collection]?.config
        : undefined
    if (!join || !joined) continue
    const inJoin = await refusedQuery(joined, join, req, { strict })
    if (inJoin) throw new RequestRefused(`Refused query in join "${name}": ${inJoin}.`, 400)
  }
  return args
}
