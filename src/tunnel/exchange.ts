// Per-connection work of a dual-end tunnel: ingress (accept a user, take a pool connection, signal, relay) and
// egress (claim the connection the signal names, dial a target, relay), for TCP and UDP.
import type { Socket } from 'node:net'
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram'
import type { Duplex } from 'node:stream'
import { ERR, describeError, type NodePassError } from '../errors.js'
import type { Logger } from '../log.js'
import type { Tunables } from '../env.js'
import type { TunnelConfig } from '../url/types.js'
import type { ConnPool, PoolConn } from './pool.js'
import type { Counters } from './stats.js'
import type { Signal } from '../wire.js'
import type { TunnelHealth } from './health.js'
import { paced, replay, type DataPlane } from '../net/plane.js'
import { splitHostPort } from '../url/address.js'
import { relay } from './relay.js'
import { reset } from '../net/reset.js'
import { DatagramWriter, readDatagrams } from './udp-frame.js'
import { IdleTimer } from './idle-timer.js'
import type { Reuse } from './reuse.js'
import { joinHostPort, remoteOf, unmapIp } from '../net/addr.js'
import { ignore } from '../ignore.js'

export interface ExchangeContext {
  readonly cfg: TunnelConfig
  readonly pool: ConnPool
  readonly counters: Counters
  readonly log: Logger
  readonly tunables: Tunables
  /** rate/block/proxy/dns/dial/lbs (src/net/plane.ts). */
  readonly plane: DataPlane
  /** Length-framed UDP (both peers are NodePass-TS). */
  readonly framed: boolean
  send(sig: Signal): void
  /** Every stream and socket in use, destroyed when the tunnel stops. */
  readonly live: Set<{ destroy(): void }>
  /** Aborted when the tunnel stops: target dials still connecting end at once. */
  readonly signal: AbortSignal
  /** Per-connection failures are reported here: logged with code and hint, the tunnel marked degraded. */
  readonly health: TunnelHealth
  /** Gives an unserved user back to the ingress to hold for the next tunnel (its bytes still unread). */
  readonly requeue?: ((user: Socket) => void) | undefined
  /** Set when both ends agreed to reuse pool connections (TCP exchanges only; reuse.ts). */
  readonly reuse?: Reuse | undefined
}

// Listeners use on('close') rather than once(): 'close' fires once per stream, and once() allocates a wrapper and
// its state per call (a few hundred bytes per connection across the tunnel).
function track<T extends { destroy(): void; on(ev: 'close', fn: () => void): unknown }>(ctx: ExchangeContext, s: T): T {
  ctx.live.add(s)
  s.on('close', () => ctx.live.delete(s))
  return s
}

function takeSlot(ctx: ExchangeContext, kind: 'TCP' | 'UDP'): boolean {
  return ctx.counters.takeSlot(kind, ctx.cfg.slot, ctx.log)
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (!done) {
      done = true
      fn()
    }
  }
}

export async function ingressTcp(ctx: ExchangeContext, user: Socket): Promise<void> {
  if (!takeSlot(ctx, 'TCP')) return void user.destroy()
  const release = once(() => ctx.counters.tcps--)
  const remote = remoteOf(user)
  const sniffed = await ctx.plane.sniffTcp(user, remote)
  if (sniffed === undefined) return release()
  let conn: PoolConn
  try {
    conn = await ctx.pool.acquire(ctx.tunables.poolGetTimeoutMs)
  } catch (err) {
    release()
    // The tunnel went down while this user waited: nothing was read that cannot be put back, so the ingress holds
    // the user for the next tunnel instead of dropping the connection (bytes sniffed after an EOF cannot be).
    if ((err as NodePassError).code === ERR.CLOSED && ctx.requeue && !user.destroyed && !sniffed.ended) {
      if (sniffed.head.length > 0) user.unshift(sniffed.head)
      return ctx.requeue(user)
    }
    ctx.health.problem(`Ingress TCP from ${remote}`, err, 'warn')
    return reset(user, err as Error) // not served: a reset, not an empty but clean connection
  }
  // Tracked (destroyed with the tunnel) from here on; a user still waiting above is requeued instead. A connection to
  // be reused is tracked by its lease until it is back in the pool.
  track(ctx, user)
  if (!ctx.reuse) track(ctx, conn.stream)
  if (user.destroyed) {
    release()
    return void conn.stream.destroy()
  }
  ctx.send({ action: 'tcp', remote, id: conn.id })
  if (ctx.log.enabled('debug')) ctx.log.debug(`Starting exchange: ${remote} <-> ${conn.id}`)
  const head = replay(user, sniffed, conn.stream)
  relay(user, conn.stream, {
    counters: ctx.counters,
    readMs: ctx.cfg.readMs,
    rate: ctx.plane.rate,
    ends: ctx.reuse?.begin(conn, head),
    onDone: (err) => {
      release()
      if (ctx.log.enabled('debug')) ctx.log.debug(`Exchange complete: ${err ? describeError(err) : 'EOF'}`)
    },
  })
}

/**
 * A tcp signal this end will not serve (notcp here, or its signal queue full): the connection it names is reset, so
 * that the peer's user fails at once instead of waiting on a connection nobody reads (with read=0, for ever). A udp
 * signal is left unanswered: UDP has no reset to give its user, and each new session would take a new connection.
 */
export function refuse(ctx: ExchangeContext, sig: Signal): void {
  if (sig.action === 'tcp' && sig.id) ctx.pool.claim(sig.id, ctx.tunables.poolGetTimeoutMs).then((c) => reset(c.stream), ignore)
}

/**
 * Takes the pool connection a tcp/udp signal names; a miss is logged and counted toward a pool flush. The connection
 * is tracked (destroyed with the tunnel) unless `tracked` is false (a reused connection's lease tracks it).
 */
async function claimFor(ctx: ExchangeContext, sig: Signal, kind: 'TCP' | 'UDP', tracked = true): Promise<PoolConn | undefined> {
  if (!sig.id) return undefined
  if (kind === 'TCP' ? ctx.cfg.notcp : ctx.cfg.noudp) {
    ctx.log.debug(`Egress ${kind} ${sig.id}: refused (no${kind.toLowerCase()}=1)`)
    return void refuse(ctx, sig)
  }
  try {
    const conn = await ctx.pool.claim(sig.id, ctx.tunables.poolGetTimeoutMs)
    if (tracked) track(ctx, conn.stream)
    return conn
  } catch (err) {
    // Closed by the peer before its signal arrived (its user left at once), or the tunnel is closing: no fault of
    // the pool, nothing to wait for.
    if ((err as NodePassError).code === ERR.CLOSED) {
      ctx.log.debug(`Egress ${kind} ${sig.id}: ${describeError(err)}`)
      return undefined
    }
    ctx.pool.errors++
    ctx.health.problem(`Egress ${kind} ${sig.id}`, err)
    return undefined
  }
}

export async function egressTcp(ctx: ExchangeContext, sig: Signal): Promise<void> {
  // The peer's fin may come while the connection is still being claimed: the lease is opened first.
  const lease = sig.id && !ctx.cfg.notcp ? ctx.reuse?.expect(sig.id) : undefined
  const conn = await claimFor(ctx, sig, 'TCP', lease === undefined)
  if (!conn) return lease?.drop()
  const ends = lease?.attach(conn)
  if (!takeSlot(ctx, 'TCP')) return void conn.stream.destroy()
  const release = once(() => ctx.counters.tcps--)
  const early = (): void => release()
  conn.stream.on('close', early)
  let target: Socket | undefined
  try {
    const remote = splitHostPort(sig.remote ?? '')
    const user = remote && remote.host !== '' ? remote : { host: '0.0.0.0', port: 0 }
    target = track(ctx, (await ctx.plane.dialTarget(user, ctx.signal)).socket)
  } catch (err) {
    release()
    if (ctx.signal.aborted) return void conn.stream.destroy() // the tunnel is closing: not a failure of this connection
    // The user sees a reset, as it would connecting to the target itself, not an empty but clean connection.
    reset(conn.stream, err as Error)
    return void ctx.health.problem(`Egress TCP for ${sig.remote ?? '?'}`, err)
  }
  conn.stream.off('close', early)
  if (conn.stream.destroyed) {
    release()
    return void target.destroy()
  }
  if (ctx.log.enabled('debug')) ctx.log.debug(`Starting exchange: ${conn.id} <-> ${remoteOf(target)}`)
  relay(target, conn.stream, { counters: ctx.counters, readMs: ctx.cfg.readMs, rate: ctx.plane.rate, ends, onDone: release })
}

/** UDP sessions on the ingress listener, keyed by the user's source address. */
export class UdpIngress {
  readonly #sessions = new Map<string, UdpSessionIn>()
  #warnedSize = false

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly listener: UdpSocket,
  ) {}

  onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const { ctx } = this
    if (msg.length > ctx.tunables.udpDataBufSize) {
      if (!this.#warnedSize) ctx.log.warn(`UDP datagram of ${msg.length} bytes dropped: larger than NP_UDP_DATA_BUF_SIZE ${ctx.tunables.udpDataBufSize}`)
      this.#warnedSize = true
      return
    }
    // The raw address text is key enough (one peer, one text); the bracketed form is built once per session.
    const key = `${rinfo.address}|${rinfo.port}`
    let s = this.#sessions.get(key)
    if (!s) {
      if (!takeSlot(ctx, 'UDP')) return
      s = new UdpSessionIn(ctx, this.listener, rinfo, joinHostPort(unmapIp(rinfo.address), rinfo.port), () => {
        this.#sessions.delete(key)
        ctx.counters.udps--
      })
      this.#sessions.set(key, s)
    }
    ctx.counters.udprx += msg.length
    paced(ctx.plane.rate?.read, msg.length, s.send, msg)
  }

  close(): void {
    for (const s of [...this.#sessions.values()]) s.close()
  }
}

const MAX_PENDING = 256

class UdpSessionIn {
  #conn: PoolConn | undefined
  #writer: DatagramWriter | undefined
  #pending: Buffer[] | undefined = []
  readonly #idle: IdleTimer
  #closed = false

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly listener: UdpSocket,
    private readonly rinfo: RemoteInfo,
    private readonly remote: string,
    private readonly onClose: () => void,
  ) {
    this.#idle = new IdleTimer(ctx.tunables.udpReadTimeoutMs, () => this.close())
    ctx.pool.acquire(ctx.tunables.poolGetTimeoutMs).then(
      (conn) => this.#attach(conn),
      (err: unknown) => {
        ctx.health.problem(`Ingress UDP from ${remote}`, err, 'warn')
        this.close()
      },
    )
  }

  #attach(conn: PoolConn): void {
    if (this.#closed) return void conn.stream.destroy()
    this.#conn = conn
    const { ctx } = this
    track(ctx, conn.stream)
    conn.stream.on('error', () => this.close())
    conn.stream.on('close', () => this.close())
    ctx.send({ action: 'udp', remote: this.remote, id: conn.id })
    const writer = new DatagramWriter(conn.stream, ctx.framed)
    this.#writer = writer
    for (const d of this.#pending ?? []) writer.write(d)
    this.#pending = undefined
    const { port, address } = this.rinfo
    const reply = (d: Buffer): void => this.listener.send(d, port, address)
    readDatagrams(conn.stream, ctx.framed, ctx.tunables.udpDataBufSize, (d) => {
      this.#idle.touch()
      ctx.counters.udptx += d.length
      paced(ctx.plane.rate?.write, d.length, reply, d)
    }, (err) => {
      ctx.log.error(`Ingress UDP from ${this.remote}: ${describeError(err)}`)
      this.close()
    })
    conn.stream.resume()
  }

  /** A property (not a method) so that it can be handed to paced() without binding. */
  readonly send = (msg: Buffer): void => {
    this.#idle.touch()
    if (this.#writer) this.#writer.write(msg)
    else if (this.#pending && this.#pending.length < MAX_PENDING) this.#pending.push(msg)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#idle.stop()
    this.#conn?.stream.destroy()
    this.onClose()
  }
}

export async function egressUdp(ctx: ExchangeContext, sig: Signal): Promise<void> {
  const conn = await claimFor(ctx, sig, 'UDP')
  if (!conn) return
  const stream: Duplex = conn.stream
  if (!takeSlot(ctx, 'UDP')) return void stream.destroy()
  let sock: UdpSocket | undefined
  const close = once(() => {
    idle.stop()
    ctx.counters.udps--
    stream.destroy()
    try {
      sock?.close()
    } catch {
      /* already closed */
    }
  })
  const idle = new IdleTimer(ctx.tunables.udpReadTimeoutMs, close)
  stream.on('error', close)
  stream.on('close', close)
  try {
    sock = (await ctx.plane.dialer.dialUdp()).socket
  } catch (err) {
    ctx.health.problem(`Egress UDP for ${sig.remote ?? '?'}`, err)
    return close()
  }
  if (stream.destroyed) return close()
  const s = sock
  ctx.live.add({ destroy: close })
  s.on('error', (err) => {
    ctx.log.debug(`Egress UDP socket: ${describeError(err)}`)
  })
  const writer = new DatagramWriter(stream, ctx.framed)
  const toPeer = (d: Buffer): void => void writer.write(d)
  const toTarget = (d: Buffer): void => s.send(d)
  s.on('message', (d: Buffer) => {
    idle.touch()
    ctx.counters.udprx += d.length
    paced(ctx.plane.rate?.read, d.length, toPeer, d)
  })
  readDatagrams(stream, ctx.framed, ctx.tunables.udpDataBufSize, (d) => {
    idle.touch()
    ctx.counters.udptx += d.length
    paced(ctx.plane.rate?.write, d.length, toTarget, d)
  }, (err) => {
    ctx.log.error(`Egress UDP ${sig.id}: ${describeError(err)}`)
    close()
  })
  stream.resume()
}
