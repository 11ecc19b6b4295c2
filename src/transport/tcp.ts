// type=0: one TCP connection per pool entry, TLS 1.3 on top for tls 1/2. Wire: [TLS handshake] → S→C 4-byte ID.
import { connect as netConnect, type Socket } from 'node:net'
import { TLSSocket, connect as tlsConnect, type ConnectionOptions, type TLSSocketOptions } from 'node:tls'
import { NodePassError, ERR, describeError } from '../errors.js'
import { fingerprint } from '../tunnel/protocol.js'
import { TLS13_CIPHERS, TLS_MIN_VERSION } from '../tls/certs.js'
import type { ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'
import { unmapIp } from '../net/addr.js'

/** Client TLS options for a verify mode: tls=1 skips verification; tls=2 verifies against servername. */
export function clientTlsOptions(tls: ClientTransportOptions['tls'], extra: ConnectionOptions = {}): ConnectionOptions {
  const base: ConnectionOptions = { minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS, ...extra }
  if (tls.mode === 2) {
    return tls.servername === 'none' ? { ...base, rejectUnauthorized: true } : { ...base, rejectUnauthorized: true, servername: tls.servername }
  }
  return { ...base, rejectUnauthorized: false }
}

export function peerFingerprint(sock: TLSSocket): string | undefined {
  const cert = sock.getPeerX509Certificate()
  return cert ? fingerprint(cert.raw) : undefined
}

/**
 * Write buffer threshold of a TLS pool socket: one read (NP_TCP_DATA_BUF_SIZE), as for plain sockets (an accepted
 * TLSSocket would otherwise get Node's 16 KiB). Not more: a TLS write completes only in the next loop phase, and
 * chunks queued behind it are joined by Node's TLS layer into one freshly allocated copy before encryption (page
 * faults and memmove were a quarter of the ingress's CPU with four reads of room). One read of room makes the
 * relay wait for each write instead, which measured cheaper.
 */
export function tlsHighWaterMark(tcpDataBufSize: number | undefined): number {
  return tcpDataBufSize ?? 65536
}

/** Wraps an accepted socket in server-side TLS; resolves once the handshake is done. */
export function acceptTls(socket: Socket, opts: ServerTransportOptions, alpn?: string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // highWaterMark is a net.Socket option TLSSocket passes on (Node >= 18); @types/node omits it here.
    const tlsOpts: TLSSocketOptions & { highWaterMark: number } = {
      isServer: true,
      secureContext: opts.creds!.context(),
      highWaterMark: tlsHighWaterMark(opts.tunables.tcpDataBufSize),
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    }
    const sec = new TLSSocket(socket, tlsOpts)
    const timer = setTimeout(() => sec.destroy(new Error('TLS handshake timeout')), opts.tunables.handshakeTimeoutMs)
    sec.once('secure', () => {
      clearTimeout(timer)
      sec.off('error', onError)
      resolve(sec)
    })
    const onError = (err: Error): void => {
      clearTimeout(timer)
      sec.destroy()
      reject(err)
    }
    sec.once('error', onError)
  })
}

/** Dials TCP (or TLS) with a timeout and keepalive; resolves with the connected stream. */
export function dialStream(opts: ClientTransportOptions, host: string, alpn?: string[]): Promise<PoolStream> {
  return new Promise((resolve, reject) => {
    const useTls = opts.tls.mode !== 0
    const hwm = useTls ? tlsHighWaterMark(opts.tunables.tcpDataBufSize) : opts.tunables.tcpDataBufSize
    const common = { host, port: opts.port, allowHalfOpen: true, noDelay: true, highWaterMark: hwm, keepAlive: true, keepAliveInitialDelay: opts.tunables.reportIntervalMs }
    const sock: Socket = useTls
      ? tlsConnect({ ...common, ...clientTlsOptions(opts.tls, alpn ? { ALPNProtocols: alpn } : {}) })
      : netConnect(common)
    const timer = setTimeout(
      () => sock.destroy(new NodePassError(ERR.DIAL_FAILED, `dial ${opts.host}:${opts.port}: timeout`)),
      opts.tunables.tcpDialTimeoutMs,
    )
    const fail = (err: Error): void => {
      clearTimeout(timer)
      sock.destroy()
      reject(err instanceof NodePassError ? err : new NodePassError(ERR.DIAL_FAILED, `dial ${opts.host}:${opts.port}: ${describeError(err)}`, { cause: err }))
    }
    sock.once('error', fail)
    sock.once(useTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      sock.off('error', fail)
      const raw = useTls ? undefined : sock
      resolve({
        stream: sock,
        socket: raw ?? sock,
        fp: useTls ? peerFingerprint(sock as TLSSocket) : undefined,
        remoteIp: unmapIp(sock.remoteAddress ?? ''),
      })
    })
  })
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
        acceptTls(socket, opts).then(
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
