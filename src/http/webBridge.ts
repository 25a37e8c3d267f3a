import { Readable } from 'node:stream'
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web'

import type { Request as ExpressRequest, Response as ExpressResponse } from 'express'

import { CLIENT_ADDRESS_HEADER, headersOf } from '../lib/requestHeaders'
import type { BodyRequest } from './bodyLimit'

/** An Express request as a WHATWG `Request`, which Payload's REST and GraphQL handlers take. */
export const toWebRequest = (req: ExpressRequest, origin: string): Request => {
  const headers = headersOf(req)
  headers.delete(CLIENT_ADDRESS_HEADER)
  const address = req.ip ?? req.socket.remoteAddress
  if (address) headers.set(CLIENT_ADDRESS_HEADER, address)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(new URL(req.originalUrl, origin), {
    method: req.method,
    headers,
    // A body already read by middleware (src/http/bodyLimit.ts) is a Buffer; an upload streams
    // through its byte counter.
    body: hasBody
      ? Buffer.isBuffer(req.body)
        ? req.body
        : (Readable.toWeb((req as BodyRequest).bodyStream ?? req) as unknown as ReadableStream)
      : undefined,
    // Required by Node's fetch for a streamed request body.
    duplex: 'half',
  } as RequestInit)
}

/** Writes a WHATWG `Response` to Express, keeping every `Set-Cookie`. */
export const sendWebResponse = async (res: ExpressResponse, response: Response): Promise<void> => {
  res.status(response.status)
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') res.setHeader(key, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  if (!response.body) {
    res.end()
    return
  }
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(response.body as unknown as NodeWebReadableStream)
      .on('error', reject)
      .pipe(res)
      .on('finish', resolve)
      .on('error', reject)
  })
}
