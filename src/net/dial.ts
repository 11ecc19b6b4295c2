// Target dials on the egress (and in single-end mode): target choice over several targets (lbs, D7), a source
// address (dial=IP), name resolution through the instance's DNS cache, and health tracking.
//   lbs=0 round-robin over the healthy targets; 1 the healthy target with the lowest recently measured connect
//   time; 2 the first healthy target in list order (primary-backup).
// A target whose dial fails is marked down and re-probed in the background with a bounded backoff; it is not
// tried again per connection while other targets are up, and it rejoins (for lbs=2: becomes primary again) once
// a probe connects. Only when every target is down are the down ones tried directly.
// dial=IP falls back to the system's choice (one WARN, then for the rest of the process) only on bind/address
// errors, never on a refused or timed-out connection (D2).
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIPv4, isIPv6, type Socket } from 'node:net'
import { ERR, NodePassError, describeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { HostPort, LbsStrategy } from '../url/types.js'
import { joinHostPort } from '../url/address.js'
import type { DnsResolver } from './dns.js'
import { raiseUdpBuffers } from './udp-buffers.js'
import { whenConnected } from './connecting.js'
import { monotonicMs } from '../duration.js'

/** Failures of this host, not of the target (out of file descriptors or memory): no target is to blame. */
function isLocalShortage(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'EMFILE' || code === 'ENFILE' || code === 'ENOBUFS' || code === 'ENOMEM'
}

/** Errors that mean "this source address cannot be used here", not "the target is unreachable". */
export const SOURCE_ADDRESS_ERRORS: ReadonlySet<string> = new Set([
  'EADDRNOTAVAIL', 'EINVAL', 'EAFNOSUPPORT', 'EADDRINUSE', 'EACCES', 'EPERM', 'ENODEV',
])

/** Process-lifetime state that survives tunnel restarts (pass the same object to every dialer of one process). */
export interface SourceState {
  fallback: boolean
}

export interface TargetDialerOptions {
  readonly targets: readonly HostPort[]
  readonly lbs: LbsStrategy
  /** Source IP for target dials, or 'auto'. */
  readonly dial: string
  readonly dns: DnsResolver
  readonly timeoutMs: number
  readonly udpTimeoutMs?: number
  /** NP_TCP_DATA_BUF_SIZE: stream buffer of target sockets. */
  readonly bufferSize?: number
  readonly log: Logger
  readonly sourceState?: SourceState
  /** First re-probe delay of a down target; doubles per failure up to probeMaxMs. */
  readonly probeMinMs?: number
  readonly probeMaxMs?: number
  /** lbs=1: how often every target's connect time is measured again. */
  readonly latencyProbeMs?: number
  /** TCP-connect probes for down targets and latency (off for UDP-only instances). Default true. */
  readonly probes?: boolean
}

export interface TargetHealth {
  readonly target: HostPort
  readonly up: boolean
  /** Last measured connect time in ms (undefined until measured). */
  readonly latencyMs: number | undefined
  /** Failed connection attempts so far (dials and background probes). */
  readonly failures: number
}

export interface DialedTcp {
  readonly socket: Socket
  readonly target: HostPort
  /** The resolved IP that was dialled. */
  readonly address: string
  readonly ms: number
}

export interface DialedUdp {
  readonly socket: UdpSocket
  readonly target: HostPort
  readonly address: string
}

export interface TargetDialer {
  dialTcp(signal?: AbortSignal): Promise<DialedTcp>
  dialUdp(): Promise<DialedUdp>
  /**
   * One TCP connect to the next target in order, closed at once: the connect time, or undefined on failure (a
   * health measurement only: a failure does not mark the target down, as it may serve UDP alone).
   */
  probeNext(timeoutMs: number): Promise<number | undefined>
  health(): TargetHealth[]
  close(): void
}

interface State {
  readonly target: HostPort
  up: boolean
  latencyMs: number | undefined
  backoffMs: number
  failures: number
  probeTimer: NodeJS.Timeout | undefined
}

const hostPortText = (t: HostPort): string => joinHostPort(t.host, t.port)

function errCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

function sameFamily(a: string, b: string): boolean {
  return (isIPv4(a) && isIPv4(b)) || (isIPv6(a) && isIPv6(b))
}

export function createTargetDialer(opts: TargetDialerOptions): TargetDialer {
  if (opts.targets.length === 0) throw new RangeError('at least one target is required')
  if (opts.dial !== 'auto' && !isIPv4(opts.dial) && !isIPv6(opts.dial)) {
    throw new RangeError(`dial must be an IP address or auto, got ${JSON.stringify(opts.dial)}`)
  }
  const log = opts.log
  const source = opts.sourceState ?? { fallback: false }
  const probeMin = opts.probeMinMs ?? 1000
  const probeMax = opts.probeMaxMs ?? 30_000
  const probes = opts.probes ?? true
  const states: State[] = opts.targets.map((target) => ({
    target, up: true, latencyMs: undefined, backoffMs: probeMin, failures: 0, probeTimer: undefined,
  }))
  let counter = 0
  let closed = false
  let latencyTimer: NodeJS.Timeout | undefined

  const sourceFor = (ip: string): string | undefined =>
    opts.dial === 'auto' || source.fallback || !sameFamily(opts.dial, ip) ? undefined : opts.dial

  const fallBack = (err: unknown): void => {
    if (source.fallback) return
    source.fallback = true
    log.warn(`dial=${opts.dial} unusable (${describeError(err)}): fallback to system auto for the rest of the process`)
  }

  /** Candidate order for one dial: healthy targets by strategy, then the down ones as a last resort. */
  const order = (): State[] => {
    const healthy = states.filter((s) => s.up)
    const down = states.filter((s) => !s.up)
    let picked: State[]
    switch (opts.lbs) {
      case 'round-robin': {
        const n = healthy.length
        const start = n > 0 ? counter++ % n : 0
        picked = healthy.map((_, i) => healthy[(start + i) % n]!)
        break
      }
      case 'latency':
        // Unmeasured targets first so each gets measured; ties keep list order (sort is stable).
        picked = [...healthy].sort((a, b) => (a.latencyMs ?? -1) - (b.latencyMs ?? -1))
        break
      case 'primary-backup':
        picked = healthy
        break
    }
    return [...picked, ...down]
  }

  const connectTcp = async (ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> => {
    const localAddress = sourceFor(ip)
    const socket = connect({ host: ip, port, allowHalfOpen: true, noDelay: true, ...(opts.bufferSize ? { highWaterMark: opts.bufferSize } : {}), ...(localAddress !== undefined ? { localAddress } : {}) })
    try {
      return await whenConnected(socket, 'connect', timeoutMs, signal, {
        timeout: () => Object.assign(new Error(`timeout after ${timeoutMs}ms`), { code: 'ETIMEDOUT' }),
        aborted: () => new NodePassError(ERR.CLOSED, 'dial aborted'),
      })
    } catch (err) {
      // A source-address problem: switch the source off for good and dial again without it.
      if (localAddress === undefined || !SOURCE_ADDRESS_ERRORS.has(errCode(err) ?? '')) throw err
      fallBack(err)
      return connectTcp(ip, port, timeoutMs, signal)
    }
  }

  const markUp = (s: State, ms: number): void => {
    s.latencyMs = ms
    s.backoffMs = probeMin
    if (s.probeTimer !== undefined) clearTimeout(s.probeTimer)
    s.probeTimer = undefined
    if (!s.up) {
      s.up = true
      log.info(`Target ${hostPortText(s.target)} is back`)
    }
  }

  const markDown = (s: State, err: unknown): void => {
    s.failures++
    if (s.up) {
      s.up = false
      log.warn(`Target ${hostPortText(s.target)} marked down: ${describeError(err)}`)
    }
    if (probes && !closed && s.probeTimer === undefined) scheduleProbe(s)
  }

  const measure = async (s: State, timeoutMs: number): Promise<number> => {
    const t0 = monotonicMs()
    const ip = await opts.dns.resolve(s.target.host || '127.0.0.1')
    const socket = await connectTcp(ip, s.target.port, timeoutMs)
    const ms = monotonicMs() - t0
    socket.on('error', () => {})
    socket.destroy()
    return ms
  }

  const scheduleProbe = (s: State): void => {
    s.probeTimer = setTimeout(() => {
      s.probeTimer = undefined
      if (closed || s.up) return
      measure(s, opts.timeoutMs).then(
        (ms) => {
          if (!closed) markUp(s, ms)
        },
        () => {
          s.failures++
          s.backoffMs = Math.min(probeMax, s.backoffMs * 2)
          if (!closed && !s.up) scheduleProbe(s)
        },
      )
    }, s.backoffMs)
    s.probeTimer.unref()
  }

  if (opts.lbs === 'latency' && probes && states.length > 1) {
    latencyTimer = setInterval(() => {
      for (const s of states) {
        if (!s.up) continue
        measure(s, opts.timeoutMs).then(
          (ms) => {
            s.latencyMs = ms
          },
          (err: unknown) => {
            if (!closed) markDown(s, err)
          },
        )
      }
    }, opts.latencyProbeMs ?? 5000)
    latencyTimer.unref()
  }

  const allFailed = (n: number, last: unknown): NodePassError =>
    n === 1
      ? new NodePassError(ERR.DIAL_FAILED, `dial ${hostPortText(states[0]!.target)}: ${describeError(last)}`, { cause: last })
      : new NodePassError(ERR.DIAL_FAILED, `all ${n} targets failed: ${describeError(last)}`, { cause: last })

  const dialUdpTo = (ip: string, port: number, timeoutMs: number): Promise<UdpSocket> =>
    new Promise((resolve, reject) => {
      const localAddress = sourceFor(ip)
      const socket = createSocket(isIPv6(ip) ? 'udp6' : 'udp4')
      let settled = false
      const done = (err: Error | undefined): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.off('error', done)
        if (err === undefined) {
          raiseUdpBuffers(socket)
          return resolve(socket)
        }
        try {
          socket.close()
        } catch {
          // already closed
        }
        if (localAddress !== undefined && SOURCE_ADDRESS_ERRORS.has(errCode(err) ?? '')) {
          fallBack(err)
          dialUdpTo(ip, port, timeoutMs).then(resolve, reject)
          return
        }
        reject(err)
      }
      const timer = setTimeout(() => done(new Error(`timeout after ${timeoutMs}ms`)), timeoutMs)
      socket.on('error', done)
      const connectNow = (): void => socket.connect(port, ip, () => done(undefined))
      if (localAddress !== undefined) socket.bind({ address: localAddress, port: 0 }, connectNow)
      else connectNow()
    })

  return {
    async dialTcp(signal) {
      const candidates = order()
      let last: unknown
      for (const s of candidates) {
        if (closed) throw new NodePassError(ERR.CLOSED, 'dialer closed')
        try {
          // The connect time includes the name lookup: it is what reaching this target costs.
          const t0 = monotonicMs()
          const ip = await opts.dns.resolve(s.target.host || '127.0.0.1')
          const socket = await connectTcp(ip, s.target.port, opts.timeoutMs, signal)
          const ms = monotonicMs() - t0
          markUp(s, ms)
          return { socket, target: s.target, address: ip, ms }
        } catch (err) {
          if (err instanceof NodePassError && err.code === ERR.CLOSED) throw err
          if (isLocalShortage(err)) throw err // every other target would fail the same way, and none is down
          last = err
          markDown(s, err)
        }
      }
      throw allFailed(candidates.length, last)
    },
    async dialUdp() {
      const candidates = order()
      let last: unknown
      for (const s of candidates) {
        if (closed) throw new NodePassError(ERR.CLOSED, 'dialer closed')
        try {
          const ip = await opts.dns.resolve(s.target.host || '127.0.0.1')
          const socket = await dialUdpTo(ip, s.target.port, opts.udpTimeoutMs ?? opts.timeoutMs)
          return { socket, target: s.target, address: ip }
        } catch (err) {
          if (isLocalShortage(err)) throw err
          last = err
          markDown(s, err)
        }
      }
      throw allFailed(candidates.length, last)
    },
    async probeNext(timeoutMs) {
      const s = order()[0]!
      try {
        const ms = await measure(s, timeoutMs)
        markUp(s, ms)
        return ms
      } catch {
        return undefined
      }
    },
    health() {
      return states.map((s) => ({ target: s.target, up: s.up, latencyMs: s.latencyMs, failures: s.failures }))
    },
    close() {
      closed = true
      if (latencyTimer !== undefined) clearInterval(latencyTimer)
      for (const s of states) {
        if (s.probeTimer !== undefined) clearTimeout(s.probeTimer)
        s.probeTimer = undefined
      }
    },
  }
}
