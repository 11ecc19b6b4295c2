// server:// — decides reverse/forward mode, serves the handshake on the tunnel port, then accepts pool connections
// from the handshaken client IP (ID first), takes connection 00000000 as the control channel and runs a Session.
import { createServer, type Server, type Socket } from 'node:net'
import { monotonicMs } from '../duration.js'
import { ignore } from '../ignore.js'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { ServerConfig } from '../url/types.js'
import { HandshakeServer } from './handshake.js'
import { Ingress } from './ingress.js'
import { ConnPool } from './pool.js'
import { createIdSource } from './pool-ids.js'
import { CONTROL_ID, FEATURE_QUIC_END, FEATURE_REUSE, POOL_TYPE_CODE, tlsCode } from '../wire.js'
import { serverEnables } from './reuse.js'
import { Session } from './session.js'
import type { Attempt, AttemptContext } from './attempt.js'
import { createTransport } from '../transport/index.js'
import type { Admission, ServerTransport } from '../transport/types.js'
import { loadCerts } from '../tls/lazy.js'
import { joinHostPort, unmapIp } from '../net/addr.js'

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: host || undefined, port, backlog: 4096, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

export async function startServer(cfg: ServerConfig, rt: AttemptContext): Promise<Attempt> {
  const { log, tunables, counters } = rt
  // Credentials first: nothing is bound yet if they cannot be loaded.
  if (cfg.tls.mode !== 0) rt.creds ??= await (await loadCerts()).createServerCredentials(cfg.tls, { reloadIntervalMs: tunables.reloadIntervalMs, log })
  // 1. Mode: binding target[0] succeeds → reverse (we are the ingress); fails → forward (we dial targets).
  // The ingress of an earlier start is still bound (and holding users): see Runtime.ingress.
  let ingress: Ingress | undefined = rt.ingress
  const want = rt.stickyMode ?? cfg.mode
  if (want !== 2 && !ingress) {
    try {
      ingress = await Ingress.bind(cfg.targets[0]!, { tcp: !cfg.notcp, udp: !cfg.noudp, bufferSize: tunables.tcpDataBufSize })
      rt.ingress = ingress
    } catch (err) {
      if (want === 1) throw err
      log.debug(`Target not bindable (${describeError(err)}): forward mode`)
    }
  }
  const mode = ingress ? 1 : 2
  rt.stickyMode = mode
  counters.mode = mode

  // 2. The tunnel port: handshake first, pool connections after.
  const sockets = new Set<Socket>()
  const tunnel = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: tunables.tcpDataBufSize })
  let transport: ServerTransport | undefined
  let allowIp: string | undefined
  const pool = new ConnPool()
  // Admission, one rule for every pool type: only the handshaken client's IP, and only while the pool has room.
  const admit = (ip: string): Admission => (ip !== allowIp ? 'foreign' : pool.closed || pool.size >= cfg.max ? 'full' : 'ok')
  const hs = new HandshakeServer(
    cfg.key,
    { flow: mode === 1 ? '-' : '+', max: cfg.max, tls: tlsCode(cfg.tls.mode), type: POOL_TYPE_CODE[cfg.type] },
    log,
    serverEnables(cfg),
  )
  tunnel.on('connection', (sock: Socket) => {
    sock.on('error', ignore)
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    if (!transport) return hs.handle(sock)
    if (admit(unmapIp(sock.remoteAddress ?? '')) === 'foreign') return void sock.destroy()
    // QUIC takes nothing over TCP once the handshake is done.
    if (!transport.handleSocket) return void sock.destroy()
    sock.setKeepAlive(true, tunables.reportIntervalMs)
    transport.handleSocket(sock)
  })
  try {
    await listen(tunnel, cfg.tunnel.host, cfg.tunnel.port)
  } catch (err) {
    throw new NodePassError(ERR.BIND_FAILED, `bind ${joinHostPort(cfg.tunnel.host, cfg.tunnel.port)}: ${describeError(err)}`, { cause: err })
  }
  if (cfg.tls.mode === 0) log.warn('TLS code-0: unencrypted')
  else if (cfg.tls.mode === 1) log.info('TLS code-1: RAM cert with TLS 1.3')
  else log.info(`TLS code-2: ${cfg.tls.crt} with TLS 1.3`)

  let session: Session | undefined
  let closing = false
  let resolveStop!: (e: Error) => void
  const stopped = new Promise<Error>((r) => (resolveStop = r))
  const failed = (async (): Promise<Error> => {
    const accepted = await Promise.race([hs.done, stopped])
    if (accepted instanceof Error) return accepted
    const t0 = monotonicMs()
    const h = accepted
    allowIp = h.clientIp
    hs.close()
    const nextId = createIdSource((id) => pool.has(id))
    transport = await createTransport(cfg.type).server({
      tunnelHost: cfg.tunnel.host,
      tunnelPort: cfg.tunnel.port,
      creds: rt.creds,
      admit,
      log,
      tunables,
      max: cfg.max,
      endMarker: h.features.includes(FEATURE_QUIC_END),
      onStream: (ps) => {
        if (admit(ps.remoteIp) !== 'ok') return void ps.stream.destroy()
        const { id, bytes } = nextId()
        ps.stream.write(bytes) // pool.add() below adds the 'error' listener
        pool.add({ id, stream: ps.stream, socket: ps.socket, fp: ps.fp })
      },
    })
    // Closed while the transport was being set up (QUIC binds its own UDP port): close() did not see it.
    if (closing) {
      await transport.close()
      return new NodePassError(ERR.CLOSED, 'closed')
    }
    log.info('Getting tunnel pool ready...')
    let control
    try {
      control = await pool.claim(CONTROL_ID, tunables.handshakeTimeoutMs)
    } catch {
      return new NodePassError(ERR.HANDSHAKE_FAILED, 'setControlConn: handshake timeout')
    }
    if (closing) return new NodePassError(ERR.CLOSED, 'closed')
    log.info(`Marking tunnel handshake as complete in ${Math.round(monotonicMs() - t0)}ms`)
    session = new Session({
      side: 'server', key: cfg.key, control, ingress: mode === 1 ? ingress : undefined,
      verify: cfg.tls.mode !== 0, framed: h.tsPeer, reuse: h.features.includes(FEATURE_REUSE) ? { maxIdle: cfg.max } : undefined, cfg, pool, counters, log, tunables,
      plane: rt.plane, onCheckpoint: rt.onCheckpoint, health: rt.health,
    })
    return Promise.race([session.failed, stopped])
  })().catch((err: unknown) => err as Error)

  return {
    failed,
    poolSize: () => pool.size,
    async close() {
      closing = true
      resolveStop(new NodePassError(ERR.CLOSED, 'closed'))
      // The transport first: multiplexed ones (h2, QUIC) then drop every stream at once instead of one by one. The other
      // order resets live HTTP/2 streams one by one after the peer has begun closing, which can spin nghttp2 forever
      // (Node 20: SendPendingData never returns; test/integration/h2-shutdown.test.ts).
      const closingTransport = transport?.close()
      session?.close()
      pool.close()
      hs.close()
      await closingTransport
      await failed // settles at once now; it closes a transport that was still being set up
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => tunnel.close(() => r()))
    },
  }
}
