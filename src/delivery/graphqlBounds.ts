import {
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql'
import type { RequestHandler } from 'express'

/**
 * What one GraphQL document may hold, checked on the text of the request before Payload parses or
 * validates it. Every later step is bounded by these: graphql-js's parse (4 s for 1 MiB of fields
 * on this machine), its own rules (OverlappingFieldsCanBeMerged compares every pair of fields with
 * the same name: 300 copies of `Posts { totalDocs }` took 90-250 ms), Payload's complexity rule
 * (its vendored graphql-query-complexity walks a fragment again at every spread, so 16 levels of
 * `fragment F on Query { ...G ...G }` took 1 s, and each level doubles it) and our cost and depth
 * rules. None of these can be stopped from inside validation: all the rules of one `validate` walk
 * the document together, and Payload's handler parses without a token limit. So the bounds are
 * checked here, in front of it, in time linear in the document.
 */
export type GraphQLDocumentLimits = {
  /** Characters of the `query` text. @default 65_536 */
  maxLength: number
  /** Lexical tokens (names, punctuation, values); counting stops past it. @default 5_000 */
  maxTokens: number
  /** Operations and fragments. @default 50 */
  maxDefinitions: number
  /**
   * Fields, fragment spreads and inline fragments of the operations, a fragment counted again at
   * every spread (what validation and execution walk). @default 500
   */
  maxSelections: number
  /** Fragment spreads as written. @default 100 */
  maxSpreads: number
  /** Aliased fields as written. @default 100 */
  maxAliases: number
  /** Directives (`@include`, `@skip`, ...) as written. @default 50 */
  maxDirectives: number
}

/**
 * The limits. The standard introspection query (graphql-js `getIntrospectionQuery()`) has 163
 * tokens and 230 selections once its fragments are spread; a reader's list of posts with every
 * delivered field about 40 selections. Our cost rule refuses any query over GRAPHQL_MAX_COMPLEXITY
 * (each field at least 1), so only introspection fields (`__typename`) could use more selections.
 */
export const DEFAULT_GRAPHQL_LIMITS: GraphQLDocumentLimits = {
  maxLength: 64 * 1024,
  maxTokens: 5_000,
  maxDefinitions: 50,
  maxSelections: 500,
  maxSpreads: 100,
  maxAliases: 100,
  maxDirectives: 50,
}

export type GraphQLDocumentMeasure = {
  /** The limit passed and a message naming it, or undefined when the document is within all. */
  refused?: { limit: keyof GraphQLDocumentLimits; message: string }
  /** The parsed document, when it parsed and is within the limits. */
  document?: DocumentNode
  /** Selection nodes looked at to count the spread selections (each written one at most once). */
  visited: number
}

const WHAT: Record<keyof GraphQLDocumentLimits, string> = {
  maxLength: 'characters',
  maxTokens: 'tokens',
  maxDefinitions: 'operations and fragments',
  maxSelections: 'fields, counting a fragment at each spread',
  maxSpreads: 'fragment spreads',
  maxAliases: 'aliases',
  maxDirectives: 'directives',
}

const refusal = (
  limit: keyof GraphQLDocumentLimits,
  limits: GraphQLDocumentLimits,
  visited = 0,
): GraphQLDocumentMeasure => ({
  visited,
  refused: {
    limit,
    message: `The GraphQL document has more than ${limits[limit]} ${WHAT[limit]}, the most one request may have (${limit}). Send a smaller query.`,
  },
})

/** Counts tokens up to `max + 1`; a lexical error is left for the parser to report. */
const tooManyTokens = (query: string, max: number): boolean => {
  const lexer = new Lexer(new Source(query))
  try {
    for (let n = 0; n <= max; n++) {
      if (lexer.advance().kind === TokenKind.EOF) return false
    }
  } catch {
    // A syntax error: graphql's parser reports it (the same error, from the same bounded text).
    return false
  }
  return true
}

/**
 * Measures a GraphQL document against `limits`, in time linear in its text: tokens first (the parse
 * is only done on a text within them), then what is written, then the selections once fragments
 * are spread, each fragment's size computed once (memoised; a fragment inside itself counts 0, left
 * to graphql's NoFragmentCycles) and the count stopped as soon as it passes the limit.
 * A document that does not parse comes back with neither `refused` nor `document`.
 */
export const measureGraphQLDocument = (
  query: string,
  limits: GraphQLDocumentLimits = DEFAULT_GRAPHQL_LIMITS,
): GraphQLDocumentMeasure => {
  if (query.length > limits.maxLength) return refusal('maxLength', limits)
  if (tooManyTokens(query, limits.maxTokens)) return refusal('maxTokens', limits)
  let document: DocumentNode
  try {
    document = parse(query, { noLocation: true, maxTokens: limits.maxTokens })
  } catch {
    // Payload's handler parses it again and answers the syntax error.
    return { visited: 0 }
  }
  if (document.definitions.length > limits.maxDefinitions) return refusal('maxDefinitions', limits)

  let spreads = 0
  let aliases = 0
  let directives = 0
  visit(document, {
    FragmentSpread: () => void spreads++,
    Field: (node) => void (node.alias ? aliases++ : undefined),
    Directive: () => void directives++,
  })
  if (spreads > limits.maxSpreads) return refusal('maxSpreads', limits)
  if (aliases > limits.maxAliases) return refusal('maxAliases', limits)
  if (directives > limits.maxDirectives) return refusal('maxDirectives', limits)

  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition)
  }
  const max = limits.maxSelections
  const sizes = new Map<string, number>()
  const counting = new Set<string>()
  let visited = 0
  const fragmentSize = (name: string): number => {
    const known = sizes.get(name)
    if (known !== undefined) return known
    const fragment = fragments.get(name)
    if (!fragment || counting.has(name)) return 0
    counting.add(name)
    const size = sizeOf(fragment.selectionSet)
    counting.delete(name)
    sizes.set(name, size)
    return size
  }
  const sizeOf = (set: SelectionSetNode): number => {
    let size = 0
    for (const selection of set.selections) {
      visited++
      size += 1
      if (selection.kind === Kind.FRAGMENT_SPREAD) size += fragmentSize(selection.name.value)
      else if (selection.selectionSet) size += sizeOf(selection.selectionSet)
      // Past the limit the exact size no longer matters (a partial size kept for a fragment is
      // over the limit too, so every use of it is refused as well).
      if (size > max) return size
    }
    return size
  }
  let selections = 0
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue
    selections += sizeOf(definition.selectionSet)
    if (selections > max) return refusal('maxSelections', limits, visited)
  }
  return { document, visited }
}

/**
 * Answers a GraphQL request whose document passes one of `limits` with a 400 naming the limit,
 * before Payload parses it. The body is the buffer src/http/bodyLimit.ts read (at most
 * REQUEST_BODY_MAX_BYTES); anything that is not a JSON object with a `query` string is left to
 * Payload's handler, which answers it.
 */
export const boundGraphQLDocuments =
  (limits: GraphQLDocumentLimits = DEFAULT_GRAPHQL_LIMITS): RequestHandler =>
  (req, res, next) => {
    const body: unknown = req.body
    if (!Buffer.isBuffer(body)) return next()
    let query: unknown
    try {
      query = (JSON.parse(body.toString('utf8')) as { query?: unknown } | null)?.query
    } catch {
      // Not JSON: Payload's handler answers it.
      return next()
    }
    if (typeof query !== 'string') return next()
    const { refused } = measureGraphQLDocument(query, limits)
    if (!refused) return next()
    res
      .status(400)
      .set('content-type', 'application/json; charset=utf-8')
      .end(
        JSON.stringify({
          errors: [
            {
              message: refused.message,
              extensions: { code: 'GRAPHQL_DOCUMENT_LIMIT', limit: refused.limit },
            },
          ],
        }),
      )
  }
