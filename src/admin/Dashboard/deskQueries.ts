/**
 * What each desk card lists, as data: read on the server with the page (`deskInitial.ts`) and again
 * over REST by the card when the desk's version moves (`PostsCard.tsx`, `FailingFeedsCard.tsx`), so
 * both reads ask the same question. No directive: server and client modules import it.
 */

/** The order editors review imported posts in: lowest text fidelity (the most lost) first. */
export const REVIEW_WORST_FIRST = 'review.fidelity'

/** A card's data, or why it could not be read. */
export type Loaded<T> = { data?: T; error?: string }

/** One `where` condition: a field path, an operator and its value. */
export type Condition = [
  path: string,
  operator: string,
  value: boolean | number | string | string[],
]

export type CardQuery = {
  conditions: Condition[]
  sort: string
  limit: number
  /** The fields read (Payload's `select`), as paths. */
  select: string[]
}

/** The posts cards of the desk, by their `data-testid`. */
export type PostsCardId =
  'desk-my-drafts' | 'desk-waiting-for-review' | 'desk-recently-published' | 'desk-flagged'

/** The posts cards only editors see (DeskDashboard.tsx); a writer sees their drafts and what is out. */
export const EDITOR_CARDS: ReadonlySet<PostsCardId> = new Set([
  'desk-waiting-for-review',
  'desk-flagged',
])

const POST_SELECT = ['title', 'editorialState', 'updatedAt', 'publishedAt', 'review']

/** Each posts card's query for the signed-in user (`userId`: "my drafts"). */
export const postsCardQueries = (userId: number | string): Record<PostsCardId, CardQuery> => ({
  'desk-my-drafts': {
    conditions: [
      ['createdBy', 'equals', String(userId)],
      ['editorialState', 'in', ['draft', 'changes_requested']],
    ],
    sort: '-updatedAt',
    limit: 8,
    select: POST_SELECT,
  },
  'desk-waiting-for-review': {
    conditions: [['editorialState', 'equals', 'in_review']],
    sort: 'updatedAt',
    limit: 8,
    select: POST_SELECT,
  },
  'desk-recently-published': {
    conditions: [['_status', 'equals', 'published']],
    sort: '-publishedAt',
    limit: 5,
    select: POST_SELECT,
  },
  // Worst first: the post that kept the least of its source's text is at the top.
  'desk-flagged': {
    conditions: [['review.flagged', 'equals', true]],
    sort: REVIEW_WORST_FIRST,
    limit: 8,
    select: POST_SELECT,
  },
})

/** Sources whose feed polls keep failing, the longest streak first. */
export const failingFeedsQuery: CardQuery = {
  conditions: [
    ['ingest.enabled', 'equals', true],
    ['ingestStatus.failureStreak', 'greater_than', 0],
  ],
  sort: '-ingestStatus.failureStreak',
  limit: 20,
  select: ['name', 'ingestStatus.failureStreak', 'ingestStatus.lastError'],
}

/** The query as REST parameters (`where[and][i][path][op]`, `select[a][b]`; drafts, depth 0). */
export const restParams = (query: CardQuery): URLSearchParams => {
  const params = new URLSearchParams()
  query.conditions.forEach(([path, operator, value], i) => {
    params.set(
      `where[and][${i}][${path}][${operator}]`,
      Array.isArray(value) ? value.join(',') : String(value),
    )
  })
  params.set('sort', query.sort)
  params.set('limit', String(query.limit))
  params.set('depth', '0')
  for (const field of query.select) params.set(`select[${field.split('.').join('][')}]`, 'true')
  return params
}

type Tree = { [key: string]: true | Tree }

/** The query's `where` and `select` as the Local API takes them. */
export const localArgs = (query: CardQuery) => {
  const select: Tree = {}
  for (const field of query.select) {
    const parts = field.split('.')
    let node = select
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Tree
    node[parts[parts.length - 1]] = true
  }
  return {
    where: {
      and: query.conditions.map(([path, operator, value]) => ({ [path]: { [operator]: value } })),
    },
    sort: query.sort,
    limit: query.limit,
    depth: 0,
    select,
  }
}
