import type { RequestHandler } from 'express'

/** Query parameters Payload reads as JSON when given whole (`?where={...}`), not bracketed. */
const JSON_PARAMS = ['where', 'data']

/**
 * Answers a `where` or `data` query parameter that is not JSON with 400. Payload parses them with
 * `JSON.parse` outside its error handling, so `?where={bad` was a 500 with a stack at error. A query
 * holding a NUL character (`%00`) is a 400 too: PostgreSQL refuses it in a text parameter, so
 * `?where[title][equals]=%00` was a 500 there (no stored text can contain one: src/lib/nulCharacters.ts).
 */
export const refuseUnreadableQueries: RequestHandler = (req, res, next) => {
  const at = req.originalUrl.indexOf('?')
  if (at < 0) return next()
  const query = req.originalUrl.slice(at + 1)
  const params = new URLSearchParams(query)
  for (const [name, value] of params) {
    if (name.includes('\u0000') || value.includes('\u0000')) {
      res
        .status(400)
        .set('Cache-Control', 'no-store')
        .json({ errors: [{ message: 'The query contains a NUL character (%00).' }] })
      return
    }
  }
  for (const name of JSON_PARAMS) {
    for (const value of params.getAll(name)) {
      if (value.length === 0) continue
      try {
        JSON.parse(value)
      } catch {
        res
          .status(400)
          .set('Cache-Control', 'no-store')
          .json({ errors: [{ message: `The ${name} parameter is not valid JSON.` }] })
        return
      }
    }
  }
  next()
}
