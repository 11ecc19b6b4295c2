// Ingress listeners on target[0] (server in reverse mode, client in forward mode, single-end on the tunnel address).
// They are bound early (binding decides the mode) but serve only when the tunnel is ready: until then accepted
// sockets wait, paused, and datagrams are dropped.
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

/** One shared no-op 'error' listener (not a new closure per accepted socket). */

export class Ingress {
  #handlers: IngressHandlers | undefined
  readonly #held: Socket[] = []

  private constructor(
    readonly tcp: Server | undefined,
    readonly udp: UdpSocket | undefined,
  ) {
    tcp?.on('connection', (s: Socket) => {
      s.on('error', ignore)
      if (this.#handlers) return this.#handlers.tcp(s)
      if (this.#held.length >= MAX_HELD) return void s.destroy()
      s.pause()
      this.#held.push(s)
      s.once('close', () => {
        const i = this.#held.indexOf(s)
        if (i >= 0) this.#held.splice(i, 1)
      })
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

  serve(handlers: IngressHandlers): void {
    this.#handlers = handlers
    for (const s of this.#held.splice(0)) {
      s.resume()
      handlers.tcp(s)
    }
  }

  close(): void {
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
