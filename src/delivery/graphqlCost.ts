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
  (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>()
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition)
    }
    const schema = context.getSchema()

    const limitOf = (node: FieldNode, arg: GraphQLArgument, root: boolean): number => {
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
      // at the readers' cap.
      return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : options.maxLimit
    }

    /** The cost of `set` on `type`; `page` is the size of the list a paginated parent asked for. */
    const costOf = (
      set: SelectionSetNode,
      type: GraphQLNamedType | undefined,
      page: number | undefined,
      seen: Set<string>,
    ): number => {
      let total = 0
      for (const selection of set.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const on = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : type
          total += costOf(selection.selectionSet, on ?? type, page, seen)
          continue
        }
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = selection.name.value
          const fragment = fragments.get(name)
          // A cycle is reported by graphql's own NoFragmentCycles rule.
          if (!fragment || seen.has(name)) continue
          const on = schema.getType(fragment.typeCondition.name.value) ?? type
          total += costOf(fragment.selectionSet, on, page, new Set(seen).add(name))
          continue
        }
        if (selection.name.value.startsWith('__')) continue
        const field: GraphQLField<unknown, unknown> | undefined =
          type && (isObjectType(type) || isInterfaceType(type))
            ? type.getFields()[selection.name.value]
            : undefined
        total += 1
        if (!selection.selectionSet) continue
        const list = field ? isListType(getNullableType(field.type)) : false
        const limitArg = field?.args.find((a) => a.name === 'limit')
        const childType = field ? getNamedType(field.type) : undefined
        if (limitArg) {
          // A paginated field (`Posts`, a join): the list inside it holds `limit` documents.
          const size = limitOf(selection, limitArg, type === schema.getQueryType())
          total += costOf(selection.selectionSet, childType, size, seen)
        } else {
          const items = list ? (page ?? HAS_MANY_GUESS) : 1
          total += items * costOf(selection.selectionSet, childType, undefined, seen)
        }
      }
      return total
    }

    return {
      OperationDefinition(node) {
        const root =
          node.operation === 'query'
            ? schema.getQueryType()
            : node.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType()
        const cost = costOf(node.selectionSet, root ?? undefined, undefined, new Set())
        if (cost > options.maxCost) {
          context.reportError(
            new GraphQLError(
              `The query costs ${cost}; the maximum is ${options.maxCost} (GRAPHQL_MAX_COMPLEXITY). Each field costs 1, times the limit of the list it is in; ask for fewer aliases or fields, or a smaller limit.`,
              { nodes: [node] },
            ),
          )
        }
      },
    }
  }
