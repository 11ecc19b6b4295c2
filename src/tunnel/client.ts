// client:// dual-end — handshake with the server, adopt its flow/max/tls/type, fill the pool, take the control
// connection and run a Session; with flow '+' this end is the ingress on target[0].
import { monotonicMs } from '../duration.js'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { ClientConfig } from '../url/types.js'
import { clientHandshake } from './handshake.js'
import { Ingress } from './ingress.js'
import { ConnPool } from './pool.js'
import { PoolFiller } from './pool-fill.js'
import { readPoolId } from './pool-ids.js'
import { CONTROL_ID, FEATURES, FEATURE_QUIC_END, FEATURE_REUSE, POOL_KIND_BY_CODE, TS_CAPABILITY, knownFeatures } from '../wire.js'
import { Session } from './session.js'
import type { Attempt, AttemptContext } from './attempt.js'
import { createTransport } from '../transport/index.js'
import type { ClientTransport, TlsVerify } from '../transport/types.js'

export async function startClient(cfg: ClientConfig, rt: AttemptContext): Promise<Attempt> {
  const { log, tunables, counters } = rt
  counters.mode = 2
  const hc = await clientHandshake({
    host: cfg.tunnel.host || '127.0.0.1',
    port: cfg.tunnel.port,
    serverName: cfg.sni,
    key: cfg.key,
    timeoutMs: tunables.handshakeTimeoutMs,
    signal: rt.signal,
    // Reused pool connections end their exchanges by count, which a rate limit's piped throttles do not do.
    features: FEATURES.filter((f) => f !== FEATURE_REUSE || cfg.rate === 0),
  })
  const features = hc.np === TS_CAPABILITY ? knownFeatures(hc.npf) : []
  log.info(`Loading tunnel config: FLOW=${hc.flow}|MAX=${hc.max}|TLS=${hc.tls}|TYPE=${hc.type}`)
  const kind = POOL_KIND_BY_CODE[Number(hc.type)]!
  const tls: TlsVerify = hc.tls === '0' ? { mode: 0 } : hc.tls === '1' ? { mode: 1 } : { mode: 2, servername: cfg.sni }
  const max = Math.max(1, hc.max)
  const t0 = monotonicMs()
  const transport: ClientTransport = await createTransport(kind).client({
    host: cfg.tunnel.host || '127.0.0.1',
    port: cfg.tunnel.port,
    resolve: () => rt.plane.dns.resolve(cfg.tunnel.host || '127.0.0.1'),
    tls,
    log,
    tunables,
    max,
    endMarker: features.includes(FEATURE_QUIC_END),
  })
  const pool = new ConnPool()
  const filler = new PoolFiller(
    pool,
    async (signal) => {
      const ps = await transport.dial(signal)
      const id = await readPoolId(ps.stream, tunables.handshakeTimeoutMs, signal)
      return { id, stream: ps.stream, socket: ps.socket, fp: ps.fp }
    },
    { min: Math.min(cfg.min, max), max, minIntervalMs: tunables.minPoolIntervalMs, maxIntervalMs: tunables.maxPoolIntervalMs, log },
  )
  let ingress: Ingress | undefined
  let session: Session | undefined
  let resolveStop!: (e: Error) => void
  const stopped = new Promise<Error>((r) => (resolveStop = r))
  const cleanup = async (): Promise<void> => {
    filler.stop()
    // The transport first (see server.ts close()).
    const closingTransport = transport.close()
    session?.close()
    pool.close()
    await closingTransport
  }
  // Closed while starting: the wait for the control connection below ends at once.
  const onAbort = (): void => pool.close()
  rt.signal.addEventListener('abort', onAbort, { once: true })
  try {
    // Forward mode: bound as soon as the mode is known and kept across restarts (Runtime.ingress), so users who
    // arrive while the pool fills or the tunnel restarts are held until it is ready.
    if (hc.flow === '+') {
      ingress = rt.ingress ??= await Ingress.bind(cfg.targets[0]!, { tcp: !cfg.notcp, udp: !cfg.noudp, bufferSize: tunables.tcpDataBufSize })
    } else if (rt.ingress) {
      rt.ingress.close()
      rt.ingress = undefined
    }
    log.info('Getting tunnel pool ready...')
    filler.start()
    let control
    try {
      control = await pool.claim(CONTROL_ID, tunables.handshakeTimeoutMs)
    } catch (err) {
      if (rt.signal.aborted) throw err
      const why = filler.lastError ? ` (pool dial: ${describeError(filler.lastError)})` : ''
      // The pool dial's failure (an untrusted certificate, a refused port…) gives the code when there is one.
      throw new NodePassError(ERR.HANDSHAKE_FAILED, `setControlConn: handshake timeout${why}`, filler.lastError ? { cause: filler.lastError } : undefined)
    }
    log.info(`Marking tunnel handshake as complete in ${Math.round(monotonicMs() - t0)}ms`)
    session = new Session({
      side: 'client', key: cfg.key, control, ingress, verify: hc.tls !== '0', framed: hc.np === TS_CAPABILITY,
      reuse: features.includes(FEATURE_REUSE) ? { maxIdle: max } : undefined,
      cfg, pool, counters, log, tunables, plane: rt.plane,
      onCheckpoint: rt.onCheckpoint, health: rt.health,
    })
    const s = session
    filler.busy = () => s.settingUp > 0
  } catch (err) {
    await cleanup()
    throw err
  } finally {
    rt.signal.removeEventListener('abort', onAbort)
  }
  return {
    failed: Promise.race([session.failed, stopped]),
    poolSize: () => pool.size,
    async close() {
      resolveStop(new NodePassError(ERR.CLOSED, 'closed'))
      await cleanup()
    },
  }
}
