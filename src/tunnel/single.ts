// client:// single-end (mode 1): no server, no pool — listen on the tunnel address and forward straight to the
// targets, TCP and UDP; every NP_REPORT_INTERVAL a target dial measures PING for the CHECK_POINT line.
import type { Socket } from 'node:net'
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram'
import { describeError } from '../errors.js'
import type { ClientConfig } from '../url/types.js'
import type { Ingress } from './ingress.js'
import { relay } from './relay.js'
import { IdleTimer } from './idle-timer.js'
import { paced, replay } from '../net/plane.js'
import type { Attempt, AttemptContext } from './attempt.js'
import { joinHostPort, remoteOf, unmapIp } from '../net/addr.js'
import { dialAbortController } from '../net/abort.js'
import { cutAll, reset } from '../net/reset.js'

export function startSingle(cfg: ClientConfig, rt: AttemptContext, ingress: Ingress): Attempt {
  const { log, tunables, counters } = rt
  counters.mode = 1
  const { plane } = rt
  const live = new Set<{ destroy(): void }>()
  /** Aborted by close(): target dials still connecting end at once. */
  const abort = dialAbortController()
  const sessions = new Map<string, DirectUdpSession>()

  const onTcp = async (user: Socket): Promise<void> => {
    live.add(user)
    user.on('close', () => live.delete(user))
    if (!counters.takeSlot('TCP', cfg.slot, log)) return void user.destroy()
    const sniffed = await plane.sniffTcp(user, remoteOf(user))
    if (sniffed === undefined) return void counters.tcps--
    let target: Socket
    try {
      target = (await plane.dialTarget({ host: unmapIp(user.remoteAddress ?? ''), port: user.remotePort ?? 0 }, abort.signal)).socket
    } catch (err) {
      counters.tcps--
      if (abort.signal.aborted) return void user.destroy()
      rt.health.problem(`Single-end TCP for ${remoteOf(user)}`, err)
      return reset(user, err as Error)
    }
    live.add(target)
    target.on('close', () => live.delete(target))
    if (user.destroyed) {
      counters.tcps--
      return void target.destroy()
    }
    replay(user, sniffed, target)
    relay(user, target, { counters, readMs: cfg.readMs, rate: plane.rate, onDone: () => counters.tcps-- })
  }

  const onUdp = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (msg.length > tunables.udpDataBufSize) return
    const key = `${rinfo.address}|${rinfo.port}`
    counters.udprx += msg.length
    let s = sessions.get(key)
    if (!s) {
      if (!counters.takeSlot('UDP', cfg.slot, log)) return
      s = new DirectUdpSession(rinfo, tunables.udpReadTimeoutMs, () => {
        sessions.delete(key)
        counters.udps--
      })
      const session = s
      sessions.set(key, session)
      plane.dialer.dialUdp().then(
        ({ socket }) => {
          socket.on('error', (err) => log.debug(`Single-end UDP: ${describeError(err)}`))
          const reply = (d: Buffer): void => ingress.udp?.send(d, rinfo.port, rinfo.address)
          socket.on('message', (d: Buffer) => {
            session.touch()
            counters.udptx += d.length
            paced(plane.rate?.write, d.length, reply, d)
          })
          session.attach(socket)
        },
        (err: unknown) => {
          rt.health.problem(`Single-end UDP for ${joinHostPort(unmapIp(rinfo.address), rinfo.port)}`, err)
          session.close()
        },
      )
    }
    paced(plane.rate?.read, msg.length, s.send, msg)
  }

  ingress.serve({ tcp: (s) => void onTcp(s), udp: onUdp })
  rt.health.ready()

  const health = async (): Promise<void> => {
    const ms = await plane.dialer.probeNext(tunables.reportIntervalMs)
    counters.ping = ms === undefined ? 0 : Math.trunc(ms)
    rt.onCheckpoint(counters.snapshot(0))
  }
  const ticker = setInterval(() => void health(), tunables.reportIntervalMs)
  void health()
  let resolveStop!: (e: Error) => void
  const failed = new Promise<Error>((r) => (resolveStop = r))
  return {
    failed,
    poolSize: () => 0,
    close() {
      clearInterval(ticker)
      resolveStop(new Error('closed'))
      abort.abort()
      ingress.close()
      for (const s of [...sessions.values()]) s.close()
      cutAll(live)
      return Promise.resolve()
    },
  }
}

/** One user's UDP session in single-end mode: a connected socket to a target, closed after an idle period. */
class DirectUdpSession {
  #sock: UdpSocket | undefined
  #pending: Buffer[] | undefined = []
  readonly #idle: IdleTimer
  #closed = false

  constructor(
    readonly rinfo: RemoteInfo,
    idleMs: number,
    private readonly onClose: () => void,
  ) {
    this.#idle = new IdleTimer(idleMs, () => this.close())
  }

  touch(): void {
    this.#idle.touch()
  }

  attach(sock: UdpSocket): void {
    if (this.#closed) return void sock.close()
    this.#sock = sock
    for (const d of this.#pending ?? []) sock.send(d)
    this.#pending = undefined
  }

  /** A property (not a method) so that it can be handed to paced() without binding. */
  readonly send = (msg: Buffer): void => {
    this.touch()
    if (this.#sock) this.#sock.send(msg)
    else if (this.#pending && this.#pending.length < 256) this.#pending.push(msg)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#idle.stop()
    try {
      this.#sock?.close()
    } catch {
      /* already closed */
    }
    this.onClose()
  }
}
