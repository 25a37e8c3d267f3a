import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql'

export type GraphQLCostOptions = {
  /** The most a query may cost. */
  maxCost: number
  /** What a `limit` given as a variable without a value counts as (readers' cap, readerLimits.ts). */
  maxLimit: number
  /** The request's variables, to read a `limit: $n`. */
  variables?: Record<string, unknown> | null
}

/** What an omitted `limit` of a top-level list counts as: Payload's page size. */
const OMITTED_ROOT_LIMIT = 10
/** Documents counted for a has-many relationship (it has no `limit`): a post's authors or categories. */
const HAS_MANY_GUESS = 3

/** The cost of one operation, and how much work counting it took. */
export type OperationCost = {
  /** The cost, or, when `stopped`, what was counted before it passed the maximum. */
  cost: number
  /** Counting stopped as soon as the total passed `maxCost`: the query costs at least `cost`. */
  stopped: boolean
  /** Selections looked at: each written one once per list size it is counted in. */
  visited: number
}

/** The type an operation's selections are on: Query, Mutation or Subscription. */
const rootTypeOf = (schema: GraphQLSchema, operation: OperationDefinitionNode) =>
  (operation.operation === 'query'
    ? schema.getQueryType()
    : operation.operation === 'mutation'
      ? schema.getMutationType()
      : schema.getSubscriptionType()) ?? undefined

/** The size of the list a paginated field asks for (its `limit`), as the cost counts it. */
const listLimitOf = (
  node: FieldNode,
  arg: GraphQLArgument,
  root: boolean,
  options: GraphQLCostOptions,
): number => {
  const given = node.arguments?.find((a) => a.name.value === 'limit')?.value
  let n: unknown
  // A join inside a document without a `limit` returns all its documents in Payload's GraphQL
  // (readers are refused that, readerLimits.ts): counted at the readers' cap.
  if (!given) n = arg.defaultValue ?? (root ? OMITTED_ROOT_LIMIT : options.maxLimit)
  else if (given.kind === Kind.INT) n = Number(given.value)
  else if (given.kind === Kind.VARIABLE)
    n = options.variables?.[given.name.value] ?? options.maxLimit
  else n = options.maxLimit
  // 0 asks Payload for everything; readers are refused it (readerLimits.ts), staff are counted
  // at the readers' cap. Anything but a whole number is refused by GraphQL's Int; counted at the
  // cap too, which keeps every multiplier at least 1 (what stopping early relies on).
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : options.maxLimit
}

/**
 * The cost of `operation`. A fragment's cost is computed once for each list size it is spread in
 * (memoised: without it, `fragment F1 on Query { ...F2 ...F2 }` and so on doubled the work at each
 * level, and 21 levels in 844 bytes held the server for 12 s); a fragment spread inside itself
 * counts 0 (graphql's own NoFragmentCycles rule refuses it). Counting stops as soon as a total passes
 * `maxCost`: every multiplier is at least 1, so the whole query is over the maximum too.
 *
 * Hand-written rather than taken from a library: graphql-query-complexity (which Payload vendors as
 * its own complexity rule) and graphql-armor's cost limit multiply by no list size, so neither keeps
 * this measure; and both walk a fragment again at every spread.
 */
export const costOfOperation = (
  context: Pick<ValidationContext, 'getSchema' | 'getDocument'>,
  operation: OperationDefinitionNode,
  options: GraphQLCostOptions,
): OperationCost => {
  const schema = context.getSchema()
  const fragments = new Map<string, FragmentDefinitionNode>(
    context
      .getDocument()
      .definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  )
  const max = options.maxCost
  let visited = 0

  /** Fragment costs by name, list size and type. */
  const known = new Map<string, number>()
  /** Fragments being counted (a spread of one of them inside itself is a cycle). */
  const counting = new Set<string>()

  /** The cost of `set` on `type`; `page` is the size of the list a paginated parent asked for. */
  const costOf = (
    set: SelectionSetNode,
    type: GraphQLNamedType | undefined,
    page: number | undefined,
  ): number => {
    let total = 0
    for (const selection of set.selections) {
      visited++
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type
        total += costOf(selection.selectionSet, on ?? type, page)
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total += costOfSpread(selection.name.value, type, page)
      } else if (!selection.name.value.startsWith('__')) {
        total += 1 + costOfField(selection, type, page)
      }
      if (total > max) return total
    }
    return total
  }

  const costOfSpread = (
    name: string,
    type: GraphQLNamedType | undefined,
    page: number | undefined,
  ): number => {
    const fragment = fragments.get(name)
    if (!fragment || counting.has(name)) return 0
    const on = schema.getType(fragment.typeCondition.name.value) ?? type
    const key = `${name}\n${page ?? ''}\n${on?.name ?? ''}`
    const cached = known.get(key)
    if (cached !== undefined) return cached
    counting.add(name)
    const cost = costOf(fragment.selectionSet, on, page)
    counting.delete(name)
    known.set(key, cost)
    return cost
  }

  /** What the selections under `node` cost (the field itself is counted by the caller). */
  const costOfField = (
    node: FieldNode,
    type: GraphQLNamedType | undefined,
    page: number | undefined,
  ): number => {
    if (!node.selectionSet) return 0
    const field: GraphQLField<unknown, unknown> | undefined =
      type && (isObjectType(type) || isInterfaceType(type))
        ? type.getFields()[node.name.value]
        : undefined
    const list = field ? isListType(getNullableType(field.type)) : false
    const limitArg = field?.args.find((a) => a.name === 'limit')
    const childType = field ? getNamedType(field.type) : undefined
    if (limitArg) {
      // A paginated field (`Posts`, a join): the list inside it holds `limit` documents.
      const size = listLimitOf(node, limitArg, type === schema.getQueryType(), options)
      return costOf(node.selectionSet, childType, size)
    }
    const items = list ? (page ?? HAS_MANY_GUESS) : 1
    return items * costOf(node.selectionSet, childType, undefined)
  }

  const cost = costOf(operation.selectionSet, rootTypeOf(schema, operation), undefined)
  return { cost, stopped: cost > max, visited }
}

/**
 * A GraphQL validation rule that refuses a query costing more than `maxCost` before it runs. A field
 * costs 1; the fields under a list cost as many times as the list can hold: its `limit` (a literal,
 * a variable's value, else `maxLimit` for a variable without one, else Payload's default), or 3 for a
 * has-many relationship. Every alias is a field of its own. So 40 aliases of
 * `Posts(limit: 100) { docs { id contentHtml } }` cost 40 x (1 + 1 + 100 x 2) = 8,080, while Payload's
 * own estimate (a fixed cost per field and relationship, never multiplied) let it through and the
 * server ran out of memory. Introspection fields are not counted (they have their own switch).
 */
export const maxCostRule =
  (options: GraphQLCostOptions) =>
  (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const { cost, stopped } = costOfOperation(context, node, options)
      if (stopped) {
        context.reportError(
          new GraphQLError(
            `The query costs at least ${cost}; the maximum is ${options.maxCost} (GRAPHQL_MAX_COMPLEXITY). Each field costs 1, times the limit of the list it is in; ask for fewer aliases or fields, or a smaller limit.`,
            { nodes: [node] },
          ),
        )
      }
    },
  })
