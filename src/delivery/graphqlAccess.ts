import type { GraphQLExtension } from 'payload'
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql'

type Resolver = (...args: unknown[]) => unknown

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Payload's permissions in the shape of the GraphQL type that describes them. Payload answers
 * `Access` with its sanitized permissions, which are shorter than the type: a permission that is
 * `false` (and `canAccessAdmin: false`) is deleted, and `{ permission: true }` becomes `true`. Both
 * `canAccessAdmin` and `permission` are non-null Booleans in the type, so an anonymous
 * `{ Access { canAccessAdmin } }` or `{ Access { categories { read { permission } } } }` failed with
 * a 500 ("Cannot return null for non-nullable field"). Here a missing value is `false` and `true`
 * stands for everything below it being allowed.
 */
export const permissionsAs = (type: GraphQLObjectType, value: unknown): Record<string, unknown> => {
  const given = isRecord(value) ? value : {}
  const shaped: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(type.getFields())) {
    const named = getNamedType(field.type)
    const inner = value === true ? true : given[name]
    if (isObjectType(named)) shaped[name] = permissionsAs(named, inner)
    else if (named.name === 'Boolean') shaped[name] = inner === true
    // A row-level `where` (JSON) is kept as Payload gives it.
    else shaped[name] = given[name]
  }
  return shaped
}

/** Payload's own `Access` query, answering in the shape of its type (see `permissionsAs`). */
export const accessQuery: GraphQLExtension = (_GraphQL, { Query }) => {
  const access = Query.fields.Access as { type?: unknown; resolve?: Resolver } | undefined
  const { type, resolve } = access ?? {}
  if (!resolve || !isObjectType(type)) return {}
  return {
    Access: {
      ...access,
      resolve: async (...args: unknown[]) => permissionsAs(type, await resolve(...args)),
    },
  }
}
