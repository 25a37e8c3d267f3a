import { createLocalReq, type Payload, type TypedUser } from 'payload'

import { isEditorUser, isStaffUser } from '../../access/roles'
import { readSchedule, type Schedule } from '../../jobs/schedule'
import { POSTS, SOURCES } from '../../lib/slugs'
import { readDeskVersion } from '../deskEndpoints'
import {
  EDITOR_CARDS,
  failingFeedsQuery,
  type Loaded,
  localArgs,
  postsCardQueries,
  type PostsCardId,
} from './deskQueries'

/** What the desk's cards show on the page as the server renders it. Plain data (props of a client component). */
export type DeskInitial = {
  /** The desk's version when the cards were read: the first poll reloads them if it moved since. */
  version?: string
  posts: Partial<Record<PostsCardId, Loaded<unknown[]>>>
  failingFeeds?: Loaded<unknown[]>
  schedule?: Loaded<Schedule>
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Reads every desk card's data with the page, as the signed-in user (the same access as the REST
 * reads the cards make later), so the desk is complete when it is shown instead of after its scripts
 * start and ask for it. A card whose read fails shows the error; the others are unaffected, and the
 * failure is logged.
 */
export const readDeskInitial = async (payload: Payload, user: TypedUser): Promise<DeskInitial> => {
  const req = await createLocalReq({ user }, payload)
  const settle = async <T>(card: string, read: () => Promise<T>): Promise<Loaded<T>> => {
    try {
      return { data: await read() }
    } catch (err) {
      payload.logger.error({ err }, `desk: the "${card}" card could not be read with the page`)
      return { error: message(err) }
    }
  }
  // The version first: a write between it and the reads below moves it, and the desk reloads.
  const version = await readDeskVersion(req).catch((err: unknown) => {
    payload.logger.error({ err }, 'desk: its version could not be read with the page')
    return undefined
  })
  const editor = isEditorUser(user)
  const queries = postsCardQueries(user.id)
  const shown = (Object.keys(queries) as PostsCardId[]).filter(
    (id) => editor || !EDITOR_CARDS.has(id),
  )
  const [posts, failingFeeds, schedule] = await Promise.all([
    Promise.all(
      shown.map(async (id) => {
        const query = queries[id]
        const loaded = await settle(id, async () => {
          const { docs } = await payload.find({
            collection: POSTS,
            ...localArgs(query),
            draft: true,
            pagination: false,
            overrideAccess: false,
            user,
            req,
          })
          return docs as unknown[]
        })
        return [id, loaded] as const
      }),
    ),
    editor
      ? settle('desk-failing-feeds', async () => {
          const { docs } = await payload.find({
            collection: SOURCES,
            ...localArgs(failingFeedsQuery),
            pagination: false,
            overrideAccess: false,
            user,
            req,
          })
          return docs as unknown[]
        })
      : undefined,
    isStaffUser(user) ? settle('desk-upcoming', () => readSchedule(req)) : undefined,
  ])
  // Through JSON: what crosses to the client is what the REST reads would have given it.
  return JSON.parse(
    JSON.stringify({ version, posts: Object.fromEntries(posts), failingFeeds, schedule }),
  ) as DeskInitial
}
