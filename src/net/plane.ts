// The data-plane parameters of one tunnel instance in one object, so the server, the client and single-end mode
// wire them with a few calls: rate, slot, block, proxy, dns, dial/lbs and read. Created once per start(); restart()
// refills the buckets and clears the DNS cache, close() stops every timer.
import type { Socket } from 'node:net'
import type { Transform } from 'node:stream'
import type { Logger } from '../log.js'
import type { TunnelConfig } from '../url/types.js'
import { createDnsResolver, type DnsResolver } from './dns.js'
import { createTargetDialer, type DialedTcp, type SourceState, type TargetDialer } from './dial.js'
import { formatProxyV1 } from './proxy-protocol.js'
import { createRateLimiter, createThrottle, type RateLimiter } from './rate.js'
import { blockEnabled, blockedMessage, sniff, DEFAULT_SNIFF_TIMEOUT_MS } from './sniff.js'
import { createSlotTable, slotLimitMessage, type Slot, type SlotKind, type SlotTable } from './slots.js'

export interface DataPlaneOptions {
  readonly log: Logger
  /** NP_TCP_DIAL_TIMEOUT / NP_UDP_DIAL_TIMEOUT. */
  readonly tcpDialTimeoutMs: number
  readonly udpDialTimeoutMs: number
  /** Keep one object per process so the dial= fallback survives restarts. */
  readonly sourceState?: SourceState
  readonly sniffTimeoutMs?: number
  readonly probeMinMs?: number
  readonly probeMaxMs?: number
  readonly latencyProbeMs?: number
}

/** What an admitted ingress TCP connection brings along: its slot and the bytes read while sniffing. */
export interface AdmittedTcp {
  readonly slot: Slot
  /** Relay these before anything else read from the socket. */
  readonly head: Buffer
  /** The user already sent EOF after `head`. */
  readonly ended: boolean
}

export interface DataPlane {
  readonly rate: RateLimiter | undefined
  readonly slots: SlotTable
  readonly dns: DnsResolver
  readonly dialer: TargetDialer
  /** read=: idle timeout in ms, 0 = off. */
  readonly readMs: number
  readonly proxy: boolean
  /**
   * Ingress TCP admission: a slot (full → ERROR `TCP slot limit reached: n/limit`), then block sniffing (match →
   * WARN `blocked <P> protocol from <addr>`). Undefined when refused; the socket is then already destroyed.
   */
  admitTcp(user: Socket, from: string): Promise<AdmittedTcp | undefined>
  /** A slot for a new session (egress TCP or any UDP session); logs the ERROR line when full. */
  takeSlot(kind: SlotKind): Slot | undefined
  /** Egress: dial a target by lbs (with dial= and DNS) and write the PROXY header if proxy=1. */
  dialTarget(userAddress: { host: string; port: number }): Promise<DialedTcp>
  /** Pass-through streams charging the read bucket (bytes from a user/target) or the write bucket (to it). */
  readThrottle(): Transform
  writeThrottle(): Transform
  /** Tunnel restart: full buckets, empty DNS cache. */
  restart(): void
  close(): void
}

export function createDataPlane(cfg: TunnelConfig, opts: DataPlaneOptions): DataPlane {
  const log = opts.log
  const rate = createRateLimiter(cfg.rate)
  const slots = createSlotTable(cfg.slot)
  const dns = createDnsResolver(cfg.dns)
  const dialer = createTargetDialer({
    targets: cfg.targets,
    lbs: cfg.lbs,
    dial: cfg.dial,
    dns,
    timeoutMs: opts.tcpDialTimeoutMs,
    udpTimeoutMs: opts.udpDialTimeoutMs,
    log,
    probes: !cfg.notcp,
    ...(opts.sourceState !== undefined ? { sourceState: opts.sourceState } : {}),
    ...(opts.probeMinMs !== undefined ? { probeMinMs: opts.probeMinMs } : {}),
    ...(opts.probeMaxMs !== undefined ? { probeMaxMs: opts.probeMaxMs } : {}),
    ...(opts.latencyProbeMs !== undefined ? { latencyProbeMs: opts.latencyProbeMs } : {}),
  })
  const sniffing = blockEnabled(cfg.block)

  const takeSlot = (kind: SlotKind): Slot | undefined => {
    const slot = slots.acquire(kind)
    if (slot === undefined) log.error(slotLimitMessage(slots, kind))
    return slot
  }

  return {
    rate,
    slots,
    dns,
    dialer,
    readMs: cfg.readMs,
    proxy: cfg.proxy,
    takeSlot,
    async admitTcp(user, from) {
      const slot = takeSlot('tcp')
      if (slot === undefined) {
        user.destroy()
        return undefined
      }
      if (!sniffing) return { slot, head: Buffer.alloc(0), ended: false }
      const r = await sniff(user, cfg.block, opts.sniffTimeoutMs ?? DEFAULT_SNIFF_TIMEOUT_MS)
      if (r.blocked !== undefined) {
        log.warn(blockedMessage(r.blocked, from))
        slot.release()
        user.destroy()
        return undefined
      }
      if (user.destroyed && !r.ended) {
        slot.release()
        return undefined
      }
      return { slot, head: r.head, ended: r.ended }
    },
    async dialTarget(userAddress) {
      const dialed = await dialer.dialTcp()
      if (cfg.proxy) {
        try {
          dialed.socket.write(
            formatProxyV1({
              srcHost: userAddress.host,
              srcPort: userAddress.port,
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
    readThrottle: () => createThrottle(rate?.read),
    writeThrottle: () => createThrottle(rate?.write),
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

/** `ip:port` / `[v6]:port` of a socket's peer, as upstream logs and signals it. */
export function peerText(s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const host = s.remoteAddress ?? ''
  return host.includes(':') ? `[${host}]:${s.remotePort ?? 0}` : `${host}:${s.remotePort ?? 0}`
}

/** Splits `ip:port` / `[v6]:port` (the `remote` field of a tcp/udp signal). */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text)
  if (!m) return undefined
  const port = Number(m[2])
  return port <= 65535 ? { host: m[1]!, port } : undefined
}
