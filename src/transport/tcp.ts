// type=0: one TCP connection per pool entry, TLS 1.3 on top for tls 1/2. Wire: [TLS handshake] → S→C 4-byte ID.
import { connect as netConnect, type Socket } from 'node:net'
import { describeError } from '../errors.js'
import type * as TlsStream from './tls-stream.js'
import type { ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'
import { connectCommon, settleDial } from './tcp-dial.js'
import { unmapIp } from '../net/addr.js'

/** The TLS layer, loaded on first use: a tls=0 tunnel never pays for node:tls (see tls/lazy.ts). */
const loadTlsStream = (): Promise<typeof TlsStream> => import('./tls-stream.js')

/** Dials TCP (or TLS, loaded on first use) with a timeout and keepalive; resolves with the connected stream. */
export async function dialStream(opts: ClientTransportOptions, host: string, alpn?: string[], signal?: AbortSignal): Promise<PoolStream> {
  if (opts.tls.mode !== 0) return (await loadTlsStream()).dialTls(opts, host, alpn, signal)
  return settleDial(opts, netConnect(connectCommon(opts, host)), 'connect', () => undefined, signal)
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
      dial: async (signal?: AbortSignal) => dialStream(opts, await opts.resolve(), undefined, signal),
      close: () => Promise.resolve(),
    })
  },
}
