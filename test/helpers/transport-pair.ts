// Starts an in-process server + client tunnel pair over a chosen pool type, with a TCP+UDP echo target on one port.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { runTunnel } from '../../src/tunnel/run.js'
import type { RunningTunnel, TunnelState } from '../../src/tunnel/types.js'
import { loadTransport } from '../../src/transport/index.js'
import type { ClientTransport } from '../../src/transport/types.js'
import type { ClientConfig, ServerConfig, TlsConfig } from '../../src/url/types.js'
import type { PoolKind } from '../../src/wire.js'
import { clientCfg, memLogger, serverCfg, testTunables } from './config.js'
import { freePort, tcpEcho, until } from './net.js'

export interface Pair {
  /** Where users connect (TCP and UDP). */
  readonly publicPort: number
  readonly tunnelPort: number
  readonly slog: ReturnType<typeof memLogger>
  readonly clog: ReturnType<typeof memLogger>
  server: RunningTunnel
  readonly client: RunningTunnel
  /** Every typed state the client reported, in order. */
  readonly cstates: TunnelState[]
  readonly serverCfg: ServerConfig
}

export interface PairOptions {
  readonly type: PoolKind
  readonly tls?: TlsConfig
  readonly forward?: boolean
  readonly server?: Partial<ServerConfig>
  readonly client?: Partial<ClientConfig>
  /** Runs once the server is up, before the client starts (e.g. to try a bad client first). */
  readonly beforeClient?: (tunnelPort: number) => Promise<void>
  /** The target users reach (default: a TCP+UDP echo). */
  readonly targetPort?: number
}

/** A TCP echo server and a UDP echo socket on the same port number. */
export async function echoTarget(t: TestContext): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const tcp = await tcpEcho()
    const udp = createSocket('udp4')
    udp.on('message', (m, r) => udp.send(m, r.port, r.address))
    try {
      udp.bind(tcp.port, '127.0.0.1')
      await once(udp, 'listening')
    } catch {
      await tcp.close()
      continue
    }
    t.after(async () => {
      udp.close()
      await tcp.close()
    })
    return tcp.port
  }
  throw new Error('no port free for both TCP and UDP')
}

export async function startPair(t: TestContext, o: PairOptions): Promise<Pair> {
  const echoPort = o.targetPort ?? (await echoTarget(t))
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const slog = memLogger('debug', 'S ')
  const clog = memLogger('debug', 'C ')
  const tls = o.tls ?? { mode: 1 }
  const sc = serverCfg(tunnelPort, [o.forward ? echoPort : publicPort], { type: o.type, tls, ...o.server })
  const cc = clientCfg(tunnelPort, [o.forward ? publicPort : echoPort], o.client)
  const server = runTunnel(sc, { log: slog, tunables: testTunables() })
  t.after(() => server.close())
  if (o.beforeClient) {
    await until(() => slog.lines.some((l) => /TLS code-\d/.test(l)), 10_000, 'server listening')
    await o.beforeClient(tunnelPort)
  }
  const cstates: TunnelState[] = []
  const pair: Pair = {
    cstates,
    publicPort,
    tunnelPort,
    slog,
    clog,
    serverCfg: sc,
    server,
    client: runTunnel(cc, { log: clog, tunables: testTunables(), onState: (s) => cstates.push(s) }),
  }
  t.after(async () => {
    await pair.client.close()
    await pair.server.close()
  })
  await ready(pair)
  return pair
}

const serving = (s: TunnelState): boolean => s.state === 'ready' || s.state === 'degraded'

/**
 * Waits until both ends serve users (typed state ready: after the handshake and, with TLS, the fingerprint check);
 * for the client, a ready state reported at or after `cstates[clientFrom]`.
 */
export async function ready(p: Pick<Pair, 'server' | 'cstates'>, clientFrom = 0): Promise<void> {
  await until(() => serving(p.server.state()) && p.cstates.slice(clientFrom).some(serving), 20_000, 'tunnel ready')
}

/**
 * Sends datagrams of the given sizes one at a time and checks each echo is byte-identical and unsplit. UDP may lose
 * a datagram (e.g. the pool connection a new session took was being closed by the peer at that moment), so each
 * size gets up to 3 sends; a wrong or split echo fails at once.
 */
export async function udpEchoSizes(port: number, sizes: number[], timeoutMs = 3000): Promise<void> {
  const sock: UdpSocket = createSocket('udp4')
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  const sent: Buffer[] = []
  const echo = (payload: Buffer): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        sock.off('message', onMsg)
        resolve(undefined)
      }, timeoutMs)
      const onMsg = (m: Buffer): void => {
        // A late echo of an earlier datagram (sent again after a timeout on a loaded machine) is not this one's.
        if (sent.some((e) => e !== payload && m.equals(e))) return
        clearTimeout(timer)
        sock.off('message', onMsg)
        resolve(m)
      }
      sock.on('message', onMsg)
      sock.send(payload, port, '127.0.0.1')
    })
  try {
    for (const size of sizes) {
      const payload = randomBytes(size)
      sent.push(payload)
      let back: Buffer | undefined
      for (let attempt = 0; attempt < 3 && !back; attempt++) back = await echo(payload)
      assert.ok(back, `no echo for a ${size}-byte datagram (3 tries, ${timeoutMs}ms each)`)
      assert.equal(back.length, size, `datagram of ${size} bytes came back as ${back.length}`)
      assert.ok(back.equals(payload), `datagram of ${size} bytes changed`)
    }
  } finally {
    sock.close()
  }
}

/** 1..64, then every 97th size, then the edges up to 8192. */
export const UDP_SIZES: number[] = [
  ...Array.from({ length: 64 }, (_, i) => i + 1),
  ...Array.from({ length: 84 }, (_, i) => 65 + i * 97),
  1400, 1472, 4096, 8191, 8192,
]

/** A pair whose server pool is full (max=2), and a second client transport dialling that server (closed after). */
export async function fullPoolDialer(t: TestContext, type: PoolKind): Promise<{ pair: Pair; transport: ClientTransport }> {
  const pair = await startPair(t, { type, tls: { mode: 1 }, server: { max: 2 } })
  await until(() => pair.server.stats().pool >= 2, 10_000, 'server pool full')
  const transport = await (await loadTransport(type)).client({
    host: '127.0.0.1', port: pair.tunnelPort, resolve: () => Promise.resolve('127.0.0.1'), tls: { mode: 1 },
    log: memLogger(), tunables: testTunables(), max: 2,
  })
  t.after(() => transport.close())
  return { pair, transport }
}
