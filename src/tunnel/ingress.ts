// Ingress listeners on target[0] (server in reverse mode, client in forward mode, single-end on the tunnel address).
// They are bound early (binding decides the mode) and stay bound across restarts of the tunnel, but serve only while
// a tunnel is ready: until then accepted sockets are held, and datagrams are dropped.
//
// A held socket is never read here: it stays paused, so every byte and the EOF the user sends meanwhile wait in its
// buffer (and the kernel's) for the relay, which is the first to resume it. (Resuming it on hand-off, before the
// relay listened, once let those bytes flow to nobody.) A held socket leaves only when its user closes it,
// when the listener closes, or when more than MAX_HELD are waiting (the newest is then closed at once).
import { createServer, isIPv6, type Server, type Socket } from 'node:net'
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { HostPort } from '../url/types.js'
import { joinHostPort } from '../net/addr.js'
import { raiseUdpBuffers } from '../net/udp-buffers.js'
import { ignore } from '../ignore.js'

export interface IngressHandlers {
  tcp(socket: Socket): void
  udp(msg: Buffer, rinfo: RemoteInfo): void
}

const MAX_HELD = 1024

export class Ingress {
  #handlers: IngressHandlers | undefined
  readonly #held: Socket[] = []
  #closed = false

  private constructor(
    readonly tcp: Server | undefined,
    readonly udp: UdpSocket | undefined,
  ) {
    tcp?.on('connection', (s: Socket) => {
      s.on('error', ignore)
      if (this.#handlers) return this.#handlers.tcp(s)
      this.#hold(s)
    })
    // A failed accept (e.g. EMFILE) drops that one connection; the listener keeps serving.
    tcp?.on('error', ignore)
    udp?.on('message', (msg, rinfo) => this.#handlers?.udp(msg, rinfo))
    udp?.on('error', ignore)
  }

  /** Binds TCP and/or UDP on `addr`; rejects (closing whatever was bound) when either fails. */
  static async bind(addr: HostPort, opts: { tcp: boolean; udp: boolean; backlog?: number; bufferSize?: number }): Promise<Ingress> {
    let server: Server | undefined
    let sock: UdpSocket | undefined
    const where = joinHostPort(addr.host, addr.port)
    try {
      if (opts.tcp) {
        const srv = createServer({ allowHalfOpen: true, noDelay: true, ...(opts.bufferSize ? { highWaterMark: opts.bufferSize } : {}) })
        server = srv
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject)
          srv.listen({ host: addr.host || undefined, port: addr.port, backlog: opts.backlog ?? 4096, exclusive: true }, () => {
            srv.off('error', reject)
            resolve()
          })
        })
      }
      if (opts.udp) {
        const u = createSocket({ type: isIPv6(addr.host) ? 'udp6' : 'udp4', reuseAddr: false })
        sock = u
        await new Promise<void>((resolve, reject) => {
          u.once('error', reject)
          u.bind({ address: addr.host || undefined, port: addr.port, exclusive: true }, () => {
            u.off('error', reject)
            raiseUdpBuffers(u)
            resolve()
          })
        })
      }
    } catch (err) {
      server?.close()
      try {
        sock?.close()
      } catch {
        /* not bound */
      }
      throw new NodePassError(ERR.BIND_FAILED, `bind ${where}: ${describeError(err)}`, { cause: err })
    }
    return new Ingress(server, sock)
  }

  get boundTcp(): HostPort | undefined {
    const a = this.tcp?.address()
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined
  }

  #hold(s: Socket): void {
    if (this.#closed || this.#held.length >= MAX_HELD || s.destroyed) return void s.destroy()
    s.pause()
    this.#held.push(s)
    s.once('close', () => {
      const i = this.#held.indexOf(s)
      if (i >= 0) this.#held.splice(i, 1)
    })
  }

  /** Hands every held connection, then each new one, to `handlers` (the sockets stay paused: see above). */
  serve(handlers: IngressHandlers): void {
    this.#handlers = handlers
    for (const s of this.#held.splice(0)) {
      if (!s.destroyed) handlers.tcp(s)
    }
  }

  /** The tunnel stopped being ready (it restarts): hold new connections again until the next serve(). */
  hold(): void {
    this.#handlers = undefined
  }

  /**
   * Takes back a connection whose exchange could not start because the tunnel went down before it got a pool
   * connection; it is served again by the next serve() (at once if one is already serving). Its unread bytes must
   * still be in its buffer.
   */
  requeue(s: Socket): void {
    if (this.#handlers) return this.#handlers.tcp(s)
    this.#hold(s)
  }

  close(): void {
    this.#closed = true
    this.#handlers = undefined
    for (const s of this.#held.splice(0)) s.destroy()
    this.tcp?.close()
    try {
      this.udp?.close()
    } catch {
      /* already closed */
    }
  }
}
