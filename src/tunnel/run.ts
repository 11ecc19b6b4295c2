// runTunnel: keeps a server:// or client:// tunnel up. Any failure logs `Server error:`/`Client error:` with the
// cause, its code and hint, sets the typed state `error` (src/tunnel/health.ts), everything is closed, and the tunnel
// starts again — forever, until close(). The wait before a restart
// (retry.ts) starts at 100 ms and doubles, up to 1 s while the peer is unreachable and up to NP_SERVICE_COOLDOWN
// otherwise; a run that stayed up for a cooldown starts over at 100 ms. The ingress listener stays bound across
// restarts (Runtime.ingress) and holds the users who arrive meanwhile.
import { setTimeout as sleep } from 'node:timers/promises'
import { describeError, formatErrorInfo, type ErrorInfo } from '../errors.js'
import type { TunnelConfig } from '../url/types.js'
import { describeConfig } from '../url/format.js'
import { Counters, checkpointLine } from './stats.js'
import { TunnelHealth } from './health.js'
import { startSingle } from './single.js'
import { Ingress } from './ingress.js'
import type { Attempt, AttemptContext } from './attempt.js'
import type * as ServerEnd from './server.js'
import type * as ClientEnd from './client.js'
import type { RunningTunnel, TunnelDeps } from './types.js'
import { createDataPlane } from '../net/plane.js'
import { RetrySchedule } from './retry.js'
import { dialAbortController } from '../net/abort.js'

/**
 * The dual-end ends are loaded on first use: they bring the handshake (HTTP), TLS, certificates, transports and the
 * pool, which a single-end instance never needs (an idle instance stays smaller).
 */
const loadServer = (): Promise<typeof ServerEnd> => import('./server.js')
const loadClient = (): Promise<typeof ClientEnd> => import('./client.js')

async function startAttempt(cfg: TunnelConfig, rt: AttemptContext): Promise<Attempt> {
  if (cfg.role === 'server') return (await loadServer()).startServer(cfg, rt)
  // Client: a bindable tunnel address means single-end forwarding (mode 1), otherwise dual-end (mode 2).
  const want = rt.stickyMode ?? cfg.mode
  if (want !== 2) {
    try {
      const ingress = await Ingress.bind(cfg.tunnel, { tcp: !cfg.notcp, udp: !cfg.noudp, bufferSize: rt.tunables.tcpDataBufSize })
      rt.stickyMode = 1
      return startSingle(cfg, rt, ingress)
    } catch (err) {
      if (want === 1) throw err
      rt.log.debug(`Tunnel address not bindable here (${describeError(err)}): dual-end mode`)
    }
  }
  rt.stickyMode = 2
  return (await loadClient()).startClient(cfg, rt)
}

export function runTunnel(cfg: TunnelConfig, deps: TunnelDeps): RunningTunnel {
  const plane = createDataPlane(cfg, {
    log: deps.log,
    tcpDialTimeoutMs: deps.tunables.tcpDialTimeoutMs,
    udpDialTimeoutMs: deps.tunables.udpDialTimeoutMs,
    bufferSize: deps.tunables.tcpDataBufSize,
  })
  const health = new TunnelHealth({ log: deps.log, quietMs: deps.tunables.reportIntervalMs, onState: deps.onState, rate: plane.rate })
  const counters = new Counters(health)
  const lines = deps.checkpointLines !== false
  const abort = dialAbortController()
  const rt: AttemptContext = {
    signal: abort.signal,
    log: deps.log,
    tunables: deps.tunables,
    counters,
    onCheckpoint: (stats) => {
      if (lines) deps.log.event(checkpointLine(stats))
      deps.onCheckpoint?.(stats)
    },
    health,
    plane,
    creds: undefined,
    stickyMode: undefined,
    ingress: undefined,
  }
  const Role = cfg.role === 'server' ? 'Server' : 'Client'
  let current: Attempt | undefined
  const cooldown = deps.tunables.serviceCooldownMs
  const loop = (async () => {
    const retry = new RetrySchedule(cooldown)
    let lastError: ErrorInfo | undefined
    for (let round = 0; !abort.signal.aborted; round++) {
      current = undefined
      const startedAt = Date.now()
      if (round > 0) rt.plane.restart()
      health.starting(lastError)
      deps.log.info(`${Role} ${round === 0 ? 'started' : 'restart'}: ${describeConfig(cfg)}`)
      let err: Error
      try {
        current = await startAttempt(cfg, rt)
        if (abort.signal.aborted) break
        err = await current.failed
      } catch (e) {
        err = e as Error
      }
      if (abort.signal.aborted) break
      lastError = health.failed(err)
      deps.log.error(`${Role} error: ${formatErrorInfo(lastError)}`)
      await current?.close()
      current = undefined
      if (Date.now() - startedAt >= cooldown) retry.reset()
      try {
        await sleep(retry.next(err), undefined, { signal: abort.signal })
      } catch {
        break
      }
    }
  })()
  let closing: Promise<void> | undefined
  return {
    stats: () => counters.snapshot(current?.poolSize() ?? 0),
    state: () => health.state,
    close() {
      closing ??= (async () => {
        abort.abort()
        await current?.close()
        await loop
        await current?.close()
        health.close()
        rt.ingress?.close()
        rt.plane.close()
      })()
      return closing
    },
  }
}
