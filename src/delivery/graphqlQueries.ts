import type { GraphQLExtension, PayloadRequest, Where } from 'payload'

import { publishedAndDue } from '../access/roles'
import { POSTS } from '../lib/slugs'

type DeliveredPostsArgs = {
  source?: string
  category?: string
  tag?: string
  publishedFrom?: string
  publishedTo?: string
  limit?: number
  page?: number
  sort?: string
}

/** The most posts one page of `DeliveredPosts` returns. */
const MAX_LIMIT = 100

/** The filters of `DeliveredPosts` as a Payload `Where` (REST takes the same with `where[...]`). */
export const deliveredPostsWhere = (args: DeliveredPostsArgs, now = new Date()): Where => {
  const and: Where[] = [publishedAndDue(now)]
  if (args.source) and.push({ 'source.slug': { equals: args.source } })
  if (args.category) and.push({ 'categories.slug': { equals: args.category } })
  if (args.tag) and.push({ tags: { equals: args.tag } })
  if (args.publishedFrom) and.push({ publishedAt: { greater_than_equal: args.publishedFrom } })
  if (args.publishedTo) and.push({ publishedAt: { less_than: args.publishedTo } })
  return { and }
}

/**
 * `DeliveredPosts(source, category, tag, publishedFrom, publishedTo, limit, page, sort)`: what readers
 * may see (published and due, for everyone, signed in or not), filtered by source and category slug
 * (GraphQL's generated `Post_where` has no relationship paths such as `source.slug`, which REST
 * accepts), a tag and a date range. Returns the same `Posts` page type as the generated `Posts`
 * query, so fields, relationships and `attribution` resolve the same way.
 */
export const deliveredPostsQuery: GraphQLExtension = (GraphQL, { Query }) => {
  // The very type object of the generated `Posts` query: a second one named "Posts" (e.g. the
  // collection's `paginatedType`) would make the schema invalid.
  const postsPage = (Query.fields.Posts as { type?: unknown } | undefined)?.type
  if (!postsPage)
    throw new Error('deliveredPostsQuery: the generated GraphQL schema has no "Posts" query.')
  return {
    DeliveredPosts: {
      type: postsPage,
      args: {
        source: { type: GraphQL.GraphQLString, description: 'Slug of the source (outlet).' },
        category: { type: GraphQL.GraphQLString, description: 'Slug of a category.' },
        tag: { type: GraphQL.GraphQLString },
        publishedFrom: { type: GraphQL.GraphQLString, description: 'ISO date-time, inclusive.' },
        publishedTo: { type: GraphQL.GraphQLString, description: 'ISO date-time, exclusive.' },
        limit: { type: GraphQL.GraphQLInt, description: `At most ${MAX_LIMIT}. Default 10.` },
        page: { type: GraphQL.GraphQLInt },
        sort: { type: GraphQL.GraphQLString, description: 'Default "-publishedAt".' },
      },
      resolve: async (_: unknown, args: DeliveredPostsArgs, context: { req: PayloadRequest }) =>
        context.req.payload.find({
          collection: POSTS,
          where: deliveredPostsWhere(args),
          limit: Math.min(Math.max(args.limit ?? 10, 1), MAX_LIMIT),
          page: args.page,
          sort: args.sort ?? '-publishedAt',
          // Relationships are resolved by the Posts type's own field resolvers, as for `Posts`.
          depth: 0,
          draft: false,
          overrideAccess: false,
          req: context.req,
        }),
    },
  }
}
