import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import net from 'node:net'

/**
 * Hosts for a multi-host test on this one machine: each a Linux network namespace of its own
 * (`ip netns`) with one address on a bridge that the test's own process also sits on (the "host
 * side"), so a server in a namespace reaches only what the test offers on the bridge address.
 */
export type TestHosts = {
  /** How the servers run: in namespaces, or (where `ip netns` is refused) as processes on loopback. */
  kind: 'namespaces' | 'loopback'
  /** Why it is loopback, when it is. */
  reason?: string
  /** The address on which the servers reach the test's services (PostgreSQL, S3). */
  hostAddress: string
  /** Each host: the address its server listens on and the command prefix that runs in it. */
  hosts: { address: string; prefix: string[] }[]
  /** Removes the namespaces, their links and the bridge; safe to call twice. */
  remove: () => void
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })

/** `count` hosts in network namespaces, or the reason they cannot be made here. */
export const makeHosts = (count: number): TestHosts => {
  const id = randomBytes(3).toString('hex')
  const subnet = `10.${randomInt(100, 250)}.${randomInt(0, 255)}`
  const bridge = `nwbr${id}`
  const namespaces: string[] = []
  let removed = false
  const remove = () => {
    if (removed) return
    removed = true
    // Deleting a namespace deletes its end of the veth pair, and with it the bridge's end.
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns])
    spawnSync('ip', ['link', 'del', bridge])
  }
  process.once('exit', remove)
  try {
    // TEST_HOSTS=loopback tries the fallback on a machine where namespaces work.
    if (process.env.TEST_HOSTS === 'loopback') throw new Error('TEST_HOSTS=loopback')
    ip('link', 'add', bridge, 'type', 'bridge')
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge)
    ip('link', 'set', bridge, 'up')
    const hosts = []
    for (let i = 1; i <= count; i++) {
      const ns = `nwns${id}${i}`
      const outside = `nwv${id}${i}`
      const inside = `nwp${id}${i}`
      const address = `${subnet}.${i + 1}`
      ip('netns', 'add', ns)
      namespaces.push(ns)
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside)
      ip('link', 'set', inside, 'netns', ns)
      ip('link', 'set', outside, 'master', bridge, 'up')
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside)
      ip('-n', ns, 'link', 'set', inside, 'up')
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      hosts.push({ address, prefix: ['ip', 'netns', 'exec', ns] })
    }
    return { kind: 'namespaces', hostAddress: `${subnet}.1`, hosts, remove }
  } catch (err) {
    remove()
    const reason = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)
    return {
      kind: 'loopback',
      reason,
      hostAddress: '127.0.0.1',
      hosts: Array.from({ length: count }, () => ({ address: '127.0.0.1', prefix: [] })),
      remove: () => undefined,
    }
  }
}

/**
 * Offers `target` (a service that listens on loopback only, as the machine's PostgreSQL does) on
 * `address`: each connection is piped to the target, as a host's NAT or a proxy would.
 */
export const forwardTcp = async (
  address: string,
  target: { host: string; port: number },
): Promise<{ port: number; close: () => Promise<void> }> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    // A connection that fails on one side ends the other: the server sees a dropped connection.
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, resolve)
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
