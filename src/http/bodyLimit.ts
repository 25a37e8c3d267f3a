import { Transform, type Readable } from 'node:stream'

import type { Request, RequestHandler } from 'express'
import { settings } from '../config'

/** A request whose body this module read (`body`) or counts on its way (`bodyStream`). */
export type BodyRequest = Request & { body?: Buffer; bodyStream?: Readable }

/** `REQUEST_BODY_MAX_BYTES`: the largest JSON, GraphQL or form body. @default 1 MiB */
export const requestBodyMaxBytes = (): number => settings().requestBodyMaxBytes
/** `UPLOAD_MAX_BYTES`: the largest multipart (upload) body, and file. @default 20 MiB */
export const uploadMaxBytes = (): number => settings().uploadMaxBytes

export type BodyLimitOptions = {
  /** @default requestBodyMaxBytes() */
  maxBytes?: number
  /** @default uploadMaxBytes() */
  maxUploadBytes?: number
}

/** How long the rest of a refused body is read and dropped before the connection is cut. */
const LINGER_MS = 2000
/** The most bytes of a refused body read and dropped before the connection is cut. */
const LINGER_BYTES = 16 * 1024 * 1024

const refuse = (res: Parameters<RequestHandler>[1], status: number, message: string) => {
  res.set('Cache-Control', 'no-store')
  res.status(status).json({ errors: [{ message }] })
}

/**
 * After refusing a body half-way, the rest is read and dropped (never kept) for a moment before the
 * connection is closed: closing a socket with unread data sends a TCP reset, which can reach the
 * client before our answer and lose it (the "lingering close" of nginx and Apache). No
 * `Connection: close` on the answer for the same reason: Node would close at once.
 */
const dropTheRest = (req: Request) => {
  let dropped = 0
  const cut = () => req.socket.destroy()
  const timer = setTimeout(cut, LINGER_MS)
  timer.unref()
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > LINGER_BYTES) cut()
  })
  req.on('end', () => clearTimeout(timer))
  req.on('close', () => clearTimeout(timer))
  req.resume()
}

/**
 * Whether a JSON body is empty or opens an object or an array. Every API route reads an object; a
 * bare string or number reached Payload's field hooks, which failed on it ("Cannot create property
 * 'name' on string"): a 500 for any client.
 */
const startsAsObject = (body: Buffer): boolean => {
  for (const byte of body) {
    // JSON's whitespace: space, tab, line feed, carriage return.
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue
    return byte === 0x7b || byte === 0x5b
  }
  return true
}

/**
 * The body's type as Payload reads it (addDataAndFileToRequest): `Application/JSON` or
 * `application/json ;` would reach it unread, as a create with no data (500). Readable: JSON,
 * multipart, and a url-encoded form under a `GET` method override.
 */
const bodyTypeOf = (req: Request) => {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]
  const methodOverride =
    req.method === 'POST' &&
    [req.headers['x-http-method-override'], req.headers['x-payload-http-method-override']].includes(
      'GET',
    )
  const multipart = type.includes('multipart/')
  const readable =
    type === 'application/json' ||
    multipart ||
    (methodOverride && type === 'application/x-www-form-urlencoded')
  return { type, multipart, readable }
}

/**
 * Request bodies on the API, counted as they arrive (a declared `Content-Length` over the limit is
 * refused before a byte is read; a missing, chunked or understated length is caught at the byte that
 * crosses it), with 413 naming the limit:
 * - JSON, GraphQL and other bodies up to `maxBytes` are read here into `req.body` (a Buffer, which
 *   the bridge to Payload sends on: src/http/webBridge.ts), so Payload never parses more; a JSON
 *   body that is not an object or array (a bare string, number, true, null) is a 400;
 * - multipart bodies (uploads) up to `maxUploadBytes` stream through to Payload, counted; Payload's
 *   own `upload.limits.fileSize` bounds each file.
 * A body of a type Payload cannot read (say a form to POST /api/posts) is refused with 415 instead of
 * reaching a handler that expects JSON: Payload reads JSON and multipart, and url-encoded forms only
 * for a `X-HTTP-Method-Override: GET` read.
 */
export const limitRequestBodies = (options: BodyLimitOptions = {}): RequestHandler => {
  const maxBytes = options.maxBytes ?? requestBodyMaxBytes()
  const maxUploadBytes = options.maxUploadBytes ?? uploadMaxBytes()
  return (req, res, next) => {
    const declared = req.headers['content-length']
    const chunked = req.headers['transfer-encoding'] !== undefined
    if (!chunked && (declared === undefined || Number(declared) === 0)) return next()
    // Read exactly as Payload reads it (bodyTypeOf).
    const { type, multipart, readable } = bodyTypeOf(req)
    if (!readable && req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(
        res,
        415,
        `Content-Type "${type || '(none)'}" is not accepted here: send application/json (or multipart/form-data for uploads).`,
      )
      return
    }
    const limit = multipart ? maxUploadBytes : maxBytes
    const what = multipart ? 'UPLOAD_MAX_BYTES' : 'REQUEST_BODY_MAX_BYTES'
    const tooLarge = `The request body is larger than ${limit} bytes (${what}).`
    if (declared !== undefined && Number(declared) > limit) {
      res.locals.bodyRefused = true
      refuse(res, 413, tooLarge)
      dropTheRest(req)
      return
    }
    if (multipart) {
      // Streamed on to Payload through a counter (the bridge reads `bodyStream`); past the limit the
      // stream fails and the request is answered here.
      let seen = 0
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          seen += chunk.length
          if (seen <= limit) return callback(null, chunk)
          res.locals.bodyRefused = true
          if (!res.headersSent) refuse(res, 413, tooLarge)
          req.unpipe(counter)
          dropTheRest(req)
          callback(new Error(tooLarge))
        },
      })
      ;(req as BodyRequest).bodyStream = req.pipe(counter)
      return next()
    }
    const chunks: Buffer[] = []
    let seen = 0
    let done = false
    const finish = (err?: Error) => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', finish)
      if (err) return next(err)
      const body = Buffer.concat(chunks)
      if (type === 'application/json' && !startsAsObject(body)) {
        refuse(res, 400, 'The request body must be a JSON object (or array).')
        return
      }
      ;(req as BodyRequest).body = body
      next()
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > limit) {
        done = true
        req.off('data', onData)
        req.off('end', onEnd)
        res.locals.bodyRefused = true
        refuse(res, 413, tooLarge)
        dropTheRest(req)
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => finish()
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', finish)
  }
}
