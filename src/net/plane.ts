// The data-plane parameters of one tunnel instance in one object, so the server, the client and single-end mode
// wire them with a few calls: rate (one limiter per instance), block, proxy, dns, dial/lbs. Created once per
// runTunnel(); restart() refills the buckets and clears the DNS cache; close() stops every timer.
// (slot and read live in the tunnel core: Counters and relay.ts.)
import type { Socket } from 'node:net'
import type { Writable } from 'node:stream'
import type { Logger } from '../log.js'
import type { TunnelConfig } from '../url/types.js'
import { createDnsResolver, type DnsResolver } from './dns.js'
import { createTargetDialer, type DialedTcp, type SourceState, type TargetDialer } from './dial.js'
import { formatProxyV1 } from './proxy-protocol.js'
import { createRateLimiter, type RateLimiter, type TokenBucket } from './rate.js'
import { blockEnabled, blockedMessage, sniff, DEFAULT_SNIFF_TIMEOUT_MS } from './sniff.js'

export interface DataPlaneOptions {
  readonly log: Logger
  /** NP_TCP_DIAL_TIMEOUT / NP_UDP_DIAL_TIMEOUT. */
  readonly tcpDialTimeoutMs: number
  readonly udpDialTimeoutMs: number
  /** NP_TCP_DATA_BUF_SIZE. */
  readonly bufferSize?: number
  /** Keep one object per process so the dial= fallback survives restarts. */
  readonly sourceState?: SourceState
  readonly sniffTimeoutMs?: number
  readonly probeMinMs?: number
  readonly probeMaxMs?: number
  readonly latencyProbeMs?: number
}

/** An ingress connection that passed block sniffing, with the bytes read meanwhile. */
export interface Sniffed {
  readonly head: Buffer
  /** The user already sent EOF after `head`. */
  readonly ended: boolean
}

export interface DataPlane {
  readonly rate: RateLimiter | undefined
  readonly dns: DnsResolver
  readonly dialer: TargetDialer
  /**
   * Block sniffing on an ingress TCP connection (block=1|2|3). A match logs WARN `blocked <P> protocol from
   * <addr>`, destroys the socket and returns undefined. Otherwise pass the result to `replay` before relaying.
   */
  sniffTcp(user: Socket, from: string): Promise<Sniffed | undefined>
  /**
   * Egress/single-end: dial a target by lbs (with dial= and DNS) and write the PROXY header if proxy=1. An abort of
   * `signal` (the session closing) ends a dial still connecting, with NP_ERR_CLOSED.
   */
  dialTarget(user: { host: string; port: number }, signal?: AbortSignal): Promise<DialedTcp>
  /** Tunnel restart: full buckets, empty DNS cache. */
  restart(): void
  close(): void
}

export function createDataPlane(cfg: TunnelConfig, opts: DataPlaneOptions): DataPlane {
  const log = opts.log
  const rate = createRateLimiter(cfg.rate)
  const dns = createDnsResolver(cfg.dns)
  const dialer = createTargetDialer({
    targets: cfg.targets,
    lbs: cfg.lbs,
    dial: cfg.dial,
    dns,
    timeoutMs: opts.tcpDialTimeoutMs,
    udpTimeoutMs: opts.udpDialTimeoutMs,
    ...(opts.bufferSize ? { bufferSize: opts.bufferSize } : {}),
    log,
    probes: !cfg.notcp,
    ...(opts.sourceState !== undefined ? { sourceState: opts.sourceState } : {}),
    ...(opts.probeMinMs !== undefined ? { probeMinMs: opts.probeMinMs } : {}),
    ...(opts.probeMaxMs !== undefined ? { probeMaxMs: opts.probeMaxMs } : {}),
    ...(opts.latencyProbeMs !== undefined ? { latencyProbeMs: opts.latencyProbeMs } : {}),
  })
  const sniffing = blockEnabled(cfg.block)
  const none: Sniffed = { head: Buffer.alloc(0), ended: false }

  return {
    rate,
    dns,
    dialer,
    async sniffTcp(user, from) {
      if (!sniffing) return none
      const r = await sniff(user, cfg.block, opts.sniffTimeoutMs ?? DEFAULT_SNIFF_TIMEOUT_MS)
      if (r.blocked !== undefined) {
        log.warn(blockedMessage(r.blocked, from))
        user.destroy()
        return undefined
      }
      if (user.destroyed && !r.ended) return undefined
      return { head: r.head, ended: r.ended }
    },
    async dialTarget(user, signal) {
      const dialed = await dialer.dialTcp(signal)
      if (cfg.proxy) {
        try {
          dialed.socket.write(
            formatProxyV1({
              srcHost: user.host,
              srcPort: user.port,
              dstHost: dialed.socket.remoteAddress ?? dialed.address,
              dstPort: dialed.socket.remotePort ?? dialed.target.port,
            }),
          )
        } catch (err) {
          dialed.socket.destroy()
          throw err
        }
      }
      return dialed
    },
    restart() {
      rate?.refill()
      dns.clear()
    },
    close() {
      rate?.close()
      dialer.close()
    },
  }
}

/**
 * Puts sniffed bytes back in front of the relay: into the socket's read buffer while it is still open, or
 * straight to the destination when the user already sent EOF (the relay's pipe then ends the destination).
 * Returns the number of bytes written to the destination here.
 */
export function replay(user: Socket, sniffed: Sniffed, dest: Writable): number {
  if (sniffed.head.length === 0) return 0
  if (!sniffed.ended) {
    user.unshift(sniffed.head)
    return 0
  }
  dest.write(sniffed.head)
  return sniffed.head.length
}

/**
 * Runs `fn` (with `arg`) once `n` tokens are paid: at once without a bucket or while it has them, otherwise later,
 * keeping datagram order. A deferred `fn` that throws (its socket closed while it waited: the session is over) is
 * dropped like the datagram it carried. Passing the datagram as `arg` to a function made once per session spares
 * the hot path a closure per datagram.
 */
export function paced(bucket: TokenBucket | undefined, n: number, fn: () => void): void
export function paced<A>(bucket: TokenBucket | undefined, n: number, fn: (arg: A) => void, arg: A): void
export function paced<A>(bucket: TokenBucket | undefined, n: number, fn: (arg?: A) => void, arg?: A): void {
  if (bucket === undefined || bucket.tryTake(n)) return fn(arg)
  bucket.take(n).then(() => fn(arg)).catch(() => {})
}

