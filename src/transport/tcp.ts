// type=0: one TCP connection per pool entry, TLS 1.3 on top for tls 1/2. Wire: [TLS handshake] → S→C 4-byte ID.
import { connect as netConnect, type Socket, type TcpNetConnectOpts } from 'node:net'
import { NodePassError, ERR, describeError } from '../errors.js'
import { loadTlsStream } from '../tls/lazy.js'
import type { ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'
import { unmapIp } from '../net/addr.js'

/** Socket options shared by the plain and the TLS dial (highWaterMark is missing from @types/node 20). */
export function connectCommon(opts: ClientTransportOptions, host: string): TcpNetConnectOpts & { highWaterMark: number } {
  return { host, port: opts.port, allowHalfOpen: true, noDelay: true, highWaterMark: opts.tunables.tcpDataBufSize, keepAlive: true, keepAliveInitialDelay: opts.tunables.reportIntervalMs }
}

/** Resolves with the pool stream once `ready` fires on sock, or rejects (and destroys it) on error or timeout. */
export function settleDial(opts: ClientTransportOptions, sock: Socket, ready: 'connect' | 'secureConnect', fp: () => string | undefined): Promise<PoolStream> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => sock.destroy(new NodePassError(ERR.TARGET_TIMEOUT, `dial ${opts.host}:${opts.port}: timeout`)),
      opts.tunables.tcpDialTimeoutMs,
    )
    const fail = (err: Error): void => {
      clearTimeout(timer)
      sock.destroy()
      reject(err instanceof NodePassError ? err : new NodePassError(ERR.DIAL_FAILED, `dial ${opts.host}:${opts.port}: ${describeError(err)}`, { cause: err }))
    }
    sock.once('error', fail)
    sock.once(ready, () => {
      clearTimeout(timer)
      sock.off('error', fail)
      resolve({ stream: sock, socket: sock, fp: fp(), remoteIp: unmapIp(sock.remoteAddress ?? '') })
    })
  })
}

/** Dials TCP (or TLS, loaded on first use) with a timeout and keepalive; resolves with the connected stream. */
export async function dialStream(opts: ClientTransportOptions, host: string, alpn?: string[]): Promise<PoolStream> {
  if (opts.tls.mode !== 0) return (await loadTlsStream()).dialTls(opts, host, alpn)
  return settleDial(opts, netConnect(connectCommon(opts, host)), 'connect', () => undefined)
}

export const tcpTransport: TransportFactory = {
  kind: 'tcp',
  server(opts: ServerTransportOptions) {
    const pending = new Set<Socket>()
    return Promise.resolve({
      handleSocket(socket: Socket) {
        if (!opts.creds) {
          opts.onStream({ stream: socket, socket, fp: undefined, remoteIp: unmapIp(socket.remoteAddress ?? '') })
          return
        }
        pending.add(socket)
        loadTlsStream().then((tls) => tls.acceptTls(socket, opts)).then(
          (sec) => {
            pending.delete(socket)
            opts.onStream({ stream: sec, socket, fp: opts.creds!.fingerprint(), remoteIp: unmapIp(socket.remoteAddress ?? '') })
          },
          (err: unknown) => {
            pending.delete(socket)
            opts.log.debug(`Pool TLS handshake failed from ${socket.remoteAddress}: ${describeError(err)}`)
          },
        )
      },
      close() {
        for (const s of pending) s.destroy()
        return Promise.resolve()
      },
    })
  },
  client(opts: ClientTransportOptions) {
    return Promise.resolve({
      dial: async () => dialStream(opts, await opts.resolve()),
      close: () => Promise.resolve(),
    })
  },
}
