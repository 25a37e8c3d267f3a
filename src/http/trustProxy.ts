import { parseSetting, settings } from '../config'

/**
 * `TRUST_PROXY` as Express's `trust proxy` setting, checked at start-up:
 * - empty or `false`: no proxy; the client address is the connection's;
 * - a whole number `n`: `n` proxies in front of this server; the address `n` hops back in
 *   `X-Forwarded-For` is the client's, and anything a client put further left is ignored;
 * - a comma-separated list of proxy addresses, CIDR ranges or Express's names (`loopback`,
 *   `linklocal`, `uniquelocal`): hops from those addresses are trusted, the first other one is the
 *   client.
 * `true` (trust every hop) is refused: the client then chooses its own address with
 * `X-Forwarded-For` and the anonymous rate limit sees a new client on every request.
 * See https://expressjs.com/en/guide/behind-proxies.html
 */
export const trustProxyFromEnv = (value?: string): false | number | string[] =>
  value === undefined ? settings().trustProxy : parseSetting('trustProxy', value)
