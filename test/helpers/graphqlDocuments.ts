import fc from 'fast-check'

/**
 * Generated GraphQL documents that made validation slow or fragile (issue 22): fragments nested and
 * spread several times, many aliases, nested inline fragments, the same field many times (graphql-js
 * compares every pair of same-named fields), directives, and all of these repeated up to the request
 * body limit. Field names are those of this project's schema, so the documents also validate.
 */

/** REQUEST_BODY_MAX_BYTES, the largest body the server reads. */
export const BODY_MAX = 1024 * 1024

/** The `limit`s the documents use. */
export const LIMITS = [1, 5, 20]
const leaf = fc.constantFrom(
  'Posts(limit: 1) { totalDocs }',
  'Posts(limit: 5) { docs { title slug } }',
  '__typename',
  'Categories { docs { name posts(limit: 20) { docs { title } } } }',
)

/** `fragment F0 { ...F1 x fan }`, `F1 { ...F2 x fan }` ... down to a leaf, spread from the query. */
const fragmentChain = fc
  .record({ levels: fc.integer({ min: 1, max: 40 }), fan: fc.integer({ min: 1, max: 4 }), leaf })
  .map(({ levels, fan, leaf }) => {
    const spreads = (i: number) => Array.from({ length: fan }, () => `...F${i}`).join(' ')
    let doc = `query { ${spreads(0)} }`
    for (let i = 0; i < levels; i++) doc += ` fragment F${i} on Query { ${spreads(i + 1)} }`
    return `${doc} fragment F${levels} on Query { ${leaf} }`
  })

/** Many aliases of a paginated list, each spreading a fragment of post fields. */
const aliases = fc
  .record({
    count: fc.integer({ min: 1, max: 700 }),
    limit: fc.constantFrom(...LIMITS),
    fields: fc.integer({ min: 1, max: 30 }),
  })
  .map(({ count, limit, fields }) => {
    const list = Array.from(
      { length: count },
      (_, i) => `a${i}: Posts(limit: ${limit}) { docs { ...P } }`,
    )
    const post = Array.from({ length: fields }, (_, i) => `t${i}: title`).join(' ')
    return `{ ${list.join(' ')} } fragment P on Post { ${post} }`
  })

/** Inline fragments nested `depth` deep, with `fan - 1` siblings holding the leaf at each level. */
const inlineFragments = fc
  .record({ depth: fc.integer({ min: 1, max: 300 }), fan: fc.integer({ min: 1, max: 4 }), leaf })
  .map(({ depth, fan, leaf }) => {
    let inner: string = leaf
    const siblings = `... on Query { ${leaf} } `.repeat(fan - 1)
    for (let i = 0; i < depth; i++) inner = `${siblings}... on Query { ${inner} }`
    return `{ ${inner} }`
  })

/**
 * The same field many times, with the same sub-fields many times: graphql-js compares every pair of
 * fields with the same name (OverlappingFieldsCanBeMerged), so this is its worst case.
 */
const repeatedFields = fc
  .record({ outer: fc.integer({ min: 1, max: 400 }), inner: fc.integer({ min: 1, max: 400 }) })
  .map(
    ({ outer, inner }) =>
      `{ ${`Posts(limit: 1) { docs { ${'title '.repeat(inner)}} } `.repeat(outer)}}`,
  )

const directives = fc
  .record({ fields: fc.integer({ min: 1, max: 200 }), each: fc.integer({ min: 1, max: 5 }) })
  .map(
    ({ fields, each }) =>
      `{ ${`Posts(limit: 1) ${'@include(if: true) '.repeat(each)}{ totalDocs } `.repeat(fields)}}`,
  )

/** Documents as large as a request body may be: the query's spreads or inline fragments repeated. */
const padded = fc
  .record({
    chain: fragmentChain,
    inline: fc.boolean(),
    bytes: fc.integer({ min: 1, max: BODY_MAX - 1024 }),
  })
  .map(({ chain, inline, bytes }) => {
    const repeated = inline ? '... on Query { __typename } ' : '...F0 '
    const fragments = chain.slice(chain.indexOf(' fragment'))
    const room = Math.max(repeated.length, bytes - fragments.length - 16)
    return `query { ${repeated.repeat(Math.floor(room / repeated.length))}}${fragments}`
  })

/** One document of any of the shapes above. */
export const hostileDocument = fc.oneof(
  fragmentChain,
  aliases,
  inlineFragments,
  repeatedFields,
  directives,
  padded,
  // Two shapes in one document: an operation each.
  fc
    .tuple(fc.oneof(aliases, repeatedFields), fc.oneof(aliases, inlineFragments))
    .map(([a, b]) => `query A ${a.slice(a.indexOf('{'))} query B ${b.slice(b.indexOf('{'))}`),
)
