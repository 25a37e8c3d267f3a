import express from 'express'

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
export const trustProxyFromEnv = (value = process.env.TRUST_PROXY): false | number | string[] => {
  const raw = (value ?? '').trim()
  if (raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true') {
    throw new Error(
      'TRUST_PROXY=true would trust every X-Forwarded-For hop, so any client could choose its address. Set the number of proxies in front of the server (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.0/8,loopback).',
    )
  }
  if (/^\d+$/.test(raw)) return Number(raw)
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  try {
    // Express compiles the list with proxy-addr, which throws on an address or range it cannot read.
    express().set('trust proxy', list)
  } catch (err) {
    throw new Error(
      `TRUST_PROXY="${raw}" is not a number of proxies or a list of proxy addresses/CIDRs: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  return list
}
