// One established dual-end tunnel (after the handshake and once the control connection is taken): signals,
// ping/CHECK_POINT, flush, TLS fingerprint verification (D2) and the ingress/egress exchanges. Both ends run it.
import { monotonicMs } from '../duration.js'
import { NodePassError, ERR, describeError, type ErrorCode } from '../errors.js'
import type { Signal } from '../wire.js'
import type { PoolConn } from './pool.js'
import { ControlChannel } from './control.js'
import type { Ingress } from './ingress.js'
import { UdpIngress, egressTcp, egressUdp, ingressTcp, refuse, type ExchangeContext } from './exchange.js'
import type { TunnelStats } from './types.js'
import { dialAbortController } from '../net/abort.js'
import { cutAll } from '../net/reset.js'
import { Reuse } from './reuse.js'

export interface SessionOptions extends Omit<ExchangeContext, 'send' | 'live' | 'signal' | 'reuse'> {
  readonly side: 'server' | 'client'
  readonly key: string
  readonly control: PoolConn
  /** Listeners on target[0] when this end is the ingress. */
  readonly ingress: Ingress | undefined
  /** Fingerprints are verified when the tunnel runs over TLS. */
  readonly verify: boolean
  readonly onCheckpoint: ((s: TunnelStats) => void) | undefined
  /** Set when both ends agreed on pool-connection reuse (FEATURE_REUSE): the pool's `max`. */
  readonly reuse: { readonly maxIdle: number } | undefined
}

export class Session {
  readonly failed: Promise<Error>
  #fail!: (err: Error) => void
  readonly #ctl: ControlChannel
  readonly #ctx: ExchangeContext
  readonly #udp: UdpIngress | undefined
  readonly #ownVerify = new Map<string, string | undefined>()
  #ticker: NodeJS.Timeout | undefined
  #pingSent = 0
  /** Egress signals being handled (claim + dial); bounded by NP_SEMAPHORE_LIMIT. */
  #inflight = 0
  #closed = false
  /** Aborted by close(): target dials still connecting end at once. */
  readonly #abort = dialAbortController()

  constructor(private readonly o: SessionOptions) {
    this.failed = new Promise((resolve) => (this.#fail = resolve))
    this.#ctl = new ControlChannel(o.control.stream, o.key, {
      log: o.log,
      readTimeoutMs: 3 * o.tunables.reportIntervalMs,
      onSignal: (s) => this.#onSignal(s),
      onFail: (err) => this.#fail(err),
    })
    const ingress = o.ingress
    const send = (s: Signal): void => this.#ctl.send(s)
    const live = new Set<{ destroy(): void }>()
    this.#ctx = {
      ...o,
      send,
      live,
      signal: this.#abort.signal,
      requeue: ingress && ((user) => ingress.requeue(user)),
      reuse: o.reuse ? new Reuse(o.pool, send, live, o.log, o.reuse.maxIdle) : undefined,
    }
    this.#udp = o.ingress?.udp ? new UdpIngress(this.#ctx, o.ingress.udp) : undefined
    this.#tick()
    this.#ticker = setInterval(() => this.#tick(), o.tunables.reportIntervalMs)
    if (o.verify) {
      o.log.info('TLS certificate fingerprint verifying...')
      this.#sendVerify().catch((err: unknown) => this.#fail(err as Error))
    } else {
      this.#startIngress()
    }
  }

  /** Egress signals being set up right now (claim and target dial not yet done). */
  get settingUp(): number {
    return this.#inflight
  }

  /** The session serves users from here on (after the fingerprint check when there is one). */
  #startIngress(): void {
    if (!this.#closed) this.o.health.ready()
    const ingress = this.o.ingress
    if (!ingress || this.#closed) return
    ingress.serve({
      tcp: (sock) => void ingressTcp(this.#ctx, sock),
      udp: (msg, rinfo) => this.#udp?.onMessage(msg, rinfo),
    })
  }

  #tick(): void {
    const { pool } = this.o
    if (pool.errors > pool.size / 2) {
      const n = pool.flush()
      this.#ctl.send({ action: 'flush' })
      this.o.log.debug(`Tunnel pool flushed: ${n} idle connections closed`)
    }
    this.#pingSent = monotonicMs()
    this.#ctl.send({ action: 'ping' })
  }

  #onSignal(s: Signal): void {
    switch (s.action) {
      case 'tcp':
      case 'udp': {
        if (this.#inflight >= this.o.tunables.semaphoreLimit) {
          this.o.log.error(`Control signal ${s.action} dropped: queue limit reached (${this.#inflight})`)
          refuse(this.#ctx, s)
          break
        }
        this.#inflight++
        const task = s.action === 'tcp' ? egressTcp(this.#ctx, s) : egressUdp(this.#ctx, s)
        void task.finally(() => this.#inflight--)
        break
      }
      case 'ping':
        this.#ctl.send({ action: 'pong' })
        break
      case 'pong': {
        this.o.counters.ping = Math.trunc(monotonicMs() - this.#pingSent)
        this.o.onCheckpoint?.(this.o.counters.snapshot(this.o.pool.size))
        break
      }
      case 'flush':
        this.o.pool.flush()
        break
      case 'verify':
        if (this.o.verify) this.#receiveVerify(s).catch((err: unknown) => this.#fail(err as Error))
        break
      case 'fin':
      case 'free':
        if (this.#ctx.reuse) this.#ctx.reuse.onSignal(s)
        else this.o.log.debug(`Control signal ${s.action} ignored: pool connections are not reused`)
        break
    }
  }

  /** Sends our fingerprint on the newest idle connection (D2: not the oldest, which the peer may pick too). */
  async #sendVerify(): Promise<void> {
    const { pool, tunables } = this.o
    const conn = pool.takeNewest() ?? (await pool.acquire(tunables.poolGetTimeoutMs))
    this.#ownVerify.set(conn.id, conn.fp)
    conn.stream.end() // graceful: whatever is still buffered (the ID itself, over TLS) reaches the peer first
    this.#ctl.send({ action: 'verify', id: conn.id, fp: conn.fp ?? '' })
  }

  async #receiveVerify(s: Signal): Promise<void> {
    const fail = (msg: string, code: ErrorCode = ERR.PROTOCOL_MISMATCH): never => {
      throw new NodePassError(code, msg)
    }
    if (!s.fp) fail('verify: empty fingerprint from peer')
    if (!s.id) fail('verify: no connection id from peer')
    let local: string | undefined
    if (this.#ownVerify.has(s.id!)) {
      local = this.#ownVerify.get(s.id!)
    } else {
      try {
        local = await this.o.pool.fingerprintOf(s.id!, this.o.tunables.poolGetTimeoutMs)
      } catch (err) {
        return fail(`verify: connection ${s.id} not found: ${describeError(err)}`)
      }
    }
    const [server, client] = this.o.side === 'server' ? [local, s.fp] : [s.fp, local]
    if (!local || server !== client)
      fail(`certificate fingerprint mismatch: server: ${server ?? ''} - client: ${client ?? ''}`, ERR.TLS_FINGERPRINT_MISMATCH)
    this.o.log.info(`TLS certificate fingerprint verified: ${s.fp}`)
    this.#startIngress()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    // New users (and those still waiting for a pool connection, requeued when the pool closes) wait for the next
    // tunnel; the listener itself stays bound (see ingress.ts).
    this.o.ingress?.hold()
    clearInterval(this.#ticker)
    this.#ctl.close()
    this.#udp?.close()
    this.#abort.abort()
    cutAll(this.#ctx.live)
  }
}
