import type { Payload } from 'payload'

import type { Post, User } from '../../src/payload-types'
import { createUser } from '../helpers/payload'
import { login } from '../helpers/server'

export const PASSWORD = 'correct horse battery staple'

export type Actor = 'anonymous' | 'writer' | 'otherWriter' | 'editor' | 'admin'

export type Staff = { user: User; auth: string }

/** One user per role (two writers, to tell own posts from others'), logged in over REST. */
export const createStaff = async (
  payload: Payload,
  url: string,
): Promise<Record<Exclude<Actor, 'anonymous'>, Staff>> => {
  // The first user ever created becomes an admin; make that one the admin.
  const admin = await createUser(payload, 'admin')
  const editor = await createUser(payload, 'editor')
  const writer = await createUser(payload, 'writer')
  const otherWriter = await createUser(payload, 'writer')
  const entries = await Promise.all(
    Object.entries({ admin, editor, writer, otherWriter }).map(async ([name, user]) => [
      name,
      { user: user as User, auth: await login(url, user.email, PASSWORD) },
    ]),
  )
  return Object.fromEntries(entries)
}

/** A post made by server code (no workflow checks), owned by `owner`. */
export const seedPost = (
  payload: Payload,
  owner: User | undefined,
  data: Partial<Pick<Post, 'editorialState' | '_status' | 'publishedAt' | 'title'>> = {},
) =>
  payload.create({
    collection: 'posts',
    data: {
      title: `post ${Math.random().toString(36).slice(2, 8)}`,
      createdBy: owner?.id,
      ...data,
    },
    overrideAccess: true,
  })

/** A REST request as `auth` (undefined: anonymous), answering status and parsed JSON body. */
export const rest = async (
  url: string,
  method: string,
  path: string,
  auth?: string,
  body?: unknown,
): Promise<{ status: number; body: any }> => {
  const send = () =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
  // A kept-alive connection the server closes after 5 idle seconds (Node's keepAliveTimeout), just
  // as a request that followed seconds of other work goes out on it, fails before the server read
  // the request: sent again once, on a new connection.
  const res = await send().catch((err: { cause?: { code?: string } }) => {
    if (err.cause?.code !== 'ECONNRESET' && err.cause?.code !== 'UND_ERR_SOCKET') throw err
    return send()
  })
  const json = res.headers.get('content-type')?.includes('json')
  return { status: res.status, body: json ? await res.json() : await res.text() }
}

/** The first error message of a Payload REST or GraphQL error body. */
export const errorMessage = (body: any): string => body?.errors?.[0]?.message ?? ''
