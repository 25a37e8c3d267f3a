import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql'

/**
 * Refuses a GraphQL operation whose fields nest deeper than `maxDepth` (a leaf field counts as one
 * level). Payload's complexity estimate adds a fixed cost per relationship or join and never
 * multiplies by list sizes, so a query that walks posts -> authors -> posts -> ... seven levels deep
 * costs under 100 by that measure while fanning out over every list it touches: depth needs its
 * own limit. Introspection fields (`__schema`, `__type`) are not counted; they have their own switch.
 */
export const maxDepthRule =
  (maxDepth: number) =>
  (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const { depth } = depthOfOperation(context, node)
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(
            `The query is nested ${depth} levels deep; the maximum is ${maxDepth} (GRAPHQL_MAX_DEPTH). Ask for fewer nested relationships.`,
            { nodes: [node] },
          ),
        )
      }
    },
  })

/**
 * How deep `operation` nests, and how many selections were looked at to know it. Each fragment's
 * depth is computed once (memoised; walking it again at every spread doubled the work at each level
 * of `fragment F1 on Query { ...F2 ...F2 }`), so the work is linear in the document; a fragment
 * spread inside itself counts 0 (graphql's own NoFragmentCycles rule refuses it).
 */
export const depthOfOperation = (
  context: Pick<ValidationContext, 'getDocument'>,
  operation: OperationDefinitionNode,
): { depth: number; visited: number } => {
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition)
  }
  const known = new Map<string, number>()
  const counting = new Set<string>()
  let visited = 0
  const depthOfFragment = (name: string): number => {
    const cached = known.get(name)
    if (cached !== undefined) return cached
    const fragment = fragments.get(name)
    if (!fragment || counting.has(name)) return 0
    counting.add(name)
    const depth = depthOf(fragment.selectionSet)
    counting.delete(name)
    known.set(name, depth)
    return depth
  }
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0
    let deepest = 0
    for (const selection of set.selections) {
      visited++
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue
        deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet))
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet))
      } else {
        deepest = Math.max(deepest, depthOfFragment(selection.name.value))
      }
    }
    return deepest
  }
  return { depth: depthOf(operation.selectionSet), visited }
}
