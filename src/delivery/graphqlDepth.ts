import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
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
  (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>()
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition)
    }
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0
      let deepest = 0
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen))
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen))
        } else {
          const name = selection.name.value
          const fragment = fragments.get(name)
          // A fragment spread inside itself is reported by graphql's own NoFragmentCycles rule.
          if (!fragment || seen.has(name)) continue
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set(seen).add(name)))
        }
      }
      return deepest
    }
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set())
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `The query is nested ${depth} levels deep; the maximum is ${maxDepth} (GRAPHQL_MAX_DEPTH). Ask for fewer nested relationships.`,
              { nodes: [node] },
            ),
          )
        }
      },
    }
  }
