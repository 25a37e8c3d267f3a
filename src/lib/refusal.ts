import { APIError } from 'payload'

/**
 * A request refused for what it asks (a cap, a path, a body): a 4xx whose message the client sees.
 * Logged as one line at info (`loggingLevels` in the delivery plugin), not as a stack at error: a
 * refusal is the server working, and a flood of them must not bury real errors.
 */
export class RequestRefused extends APIError {
  constructor(message: string, status = 400) {
    super(message, status, undefined, true)
    this.name = 'RequestRefused'
  }
}
