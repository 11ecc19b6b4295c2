// The TLS 1.3 layer of the pool transports (tls=1|2): client options by verify mode, server-side wrapping of an
// accepted socket, the TLS dial. Loaded by tcp.ts on first use, only when a tunnel uses TLS.
import { connect as tcpConnect, type Socket } from 'node:net'
import { TLSSocket, connect as tlsConnect, createSecureContext, type ConnectionOptions, type SecureContext, type TLSSocketOptions } from 'node:tls'
import { fingerprint } from '../wire.js'
import { TLS13_CIPHERS, TLS_MIN_VERSION } from '../tls/certs.js'
import type { ClientTransportOptions, PoolStream, ServerTransportOptions } from './types.js'
import { connectCommon, settleDial } from './tcp-dial.js'
import { recordTcpUnder } from '../net/reset.js'

let clientContext: SecureContext | undefined

/**
 * Client TLS options for a verify mode: tls=1 skips verification; tls=2 verifies against servername (with the system
 * roots, as tls.connect() without a context). One client context serves every dial: tls.connect() given none builds a
 * fresh one per connection (about a sixth of a pool handshake's CPU).
 */
export function clientTlsOptions(tls: ClientTransportOptions['tls'], extra: ConnectionOptions = {}): ConnectionOptions {
  clientContext ??= createSecureContext({ minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS })
  const base: ConnectionOptions = { minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS, secureContext: clientContext, ...extra }
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
 * Wraps an accepted socket in server-side TLS; resolves once the handshake is done. Its write buffer threshold is
 * one read (NP_TCP_DATA_BUF_SIZE), not Node's 16 KiB and not more (docs/design-notes.md).
 */
export function acceptTls(socket: Socket, opts: ServerTransportOptions, alpn?: string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // highWaterMark is a net.Socket option TLSSocket passes on; @types/node omits it here.
    const tlsOpts: TLSSocketOptions & { highWaterMark: number } = {
      isServer: true,
      secureContext: opts.creds!.context(),
      highWaterMark: opts.tunables.tcpDataBufSize ?? 65536,
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    }
    const sec = new TLSSocket(socket, tlsOpts)
    recordTcpUnder(sec, socket)
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

/**
 * Dials TLS over TCP with a timeout and keepalive; resolves once the TLS handshake is done. The TCP socket is made
 * here, not by tls.connect(), so that a reset can reach it (net/reset.ts); `host` still names the server for SNI and
 * verification.
 */
export function dialTls(opts: ClientTransportOptions, host: string, alpn?: string[], signal?: AbortSignal): Promise<PoolStream> {
  const common = connectCommon(opts, host)
  const tcp = tcpConnect(common)
  const sock = tlsConnect({ ...common, socket: tcp, ...clientTlsOptions(opts.tls, alpn ? { ALPNProtocols: alpn } : {}) })
  recordTcpUnder(sock, tcp)
  return settleDial(opts, sock, 'secureConnect', () => peerFingerprint(sock), signal)
}
