// type=1: QUIC (TLS 1.3, ALPN np-quic) through @matrixai/quic, an optional native package loaded only for this
// type. One connection per client, re-dialled when it dies; each pool entry is a bidirectional stream: the client
// writes the 0x00 opener (a QUIC peer sees a stream only with its first byte), the server reads it and the pool
// writes the 4-byte ID. Keep-alive 5 s, idle timeout 15 s (as upstream), payload sizes raised for throughput.
// quic-patches.ts corrects the library's per-packet JavaScript work (a stream-write spin that made it collapse).
import { createHmac, randomFillSync, timingSafeEqual, randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { readFileSync } from 'node:fs'
import * as nodeTls from 'node:tls'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { QUICClient, QUICServer, errors, events, type QUICConnection } from '@matrixai/quic'
import Logger, { LogLevel } from '@matrixai/logger'
import { NodePassError, ERR, describeError } from '../errors.js'
import { joinHostPort, unmapIp } from '../net/addr.js'
import { UDP_SOCKET_BUFFER_BYTES, raiseUdpBuffers } from '../net/udp-buffers.js'
import { OPENER, QUIC_ALPN, fingerprint } from '../wire.js'
import { readOpener } from './opener.js'
import { patchQuicStream, releaseStreams, tuneConnection } from './quic-patches.js'
import { QuicDuplex } from './quic-stream.js'
import type { Logger as NpLogger } from '../log.js'
import type { ClientTransport, ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'

const KEEPALIVE_MS = 5000
const IDLE_TIMEOUT_MS = 15000
/** The library waits out QUIC's draining period on close; we stop waiting after this (it finishes in the background). */
const CLOSE_WAIT_MS = 1000

/** Socket buffers: loopback drops datagrams with the 208 KB default (docs/transports.md, QUIC), capped by net.core.*mem_max. */
const UDP_BUFFER = UDP_SOCKET_BUFFER_BYTES
/**
 * Flow-control windows. The connection window bounds the bytes in flight towards a peer, so it is kept at half of
 * the UDP receive buffer the kernel grants (Linux reports twice the capped request; 8 MiB with rmem_max = 4 MiB):
 * a JavaScript receiver that falls behind then queues datagrams in the kernel instead of losing them. A lost
 * datagram is worse than slow with quiche 0.18.0: a zero-length FIN in it can be lost for good (docs/transports.md).
 */
const MAX_CONN_WINDOW = 4 << 20
const MIN_CONN_WINDOW = 128 << 10
const MAX_STREAM_WINDOW = 1 << 20

let budget: Promise<number> | undefined

/** The receive buffer a UDP socket gets when it asks for UDP_BUFFER (probed once per process; 0 if unknown). */
function udpReceiveBudget(): Promise<number> {
  budget ??= new Promise<number>((resolve) => {
    const probe = createSocket('udp4')
    const done = (n: number): void => {
      probe.close()
      resolve(n)
    }
    probe.once('error', () => done(0))
    probe.bind(0, '127.0.0.1', () => {
      raiseUdpBuffers(probe)
      try {
        done(probe.getRecvBufferSize())
      } catch {
        done(0)
      }
    })
  })
  return budget
}

/** Settings both ends use (the library's defaults run at ~2 MB/s on loopback; docs/transports.md). */
function tuning(max: number, udpBudget: number): Record<string, unknown> {
  const connWindow = Math.min(MAX_CONN_WINDOW, Math.max(MIN_CONN_WINDOW, Math.floor(udpBudget / 2)))
  const streamWindow = Math.min(MAX_STREAM_WINDOW, connWindow)
  return {
    applicationProtos: [QUIC_ALPN],
    keepAliveIntervalTime: KEEPALIVE_MS,
    maxIdleTimeout: IDLE_TIMEOUT_MS,
    maxSendUdpPayloadSize: 65527,
    maxRecvUdpPayloadSize: 65527,
    readableChunkSize: 65536,
    initialMaxData: connWindow,
    maxConnectionWindow: connWindow,
    initialMaxStreamDataBidiLocal: streamWindow,
    initialMaxStreamDataBidiRemote: streamWindow,
    maxStreamWindow: streamWindow,
    initialMaxStreamsBidi: Math.max(2048, max * 4),
    enableEarlyData: false,
  }
}

/** Raises the UDP socket buffers underneath a started QUICServer/QUICClient (the library keeps the socket private). */
function growBuffers(owner: QUICServer | QUICClient, log: NpLogger): void {
  const dgram = (owner as unknown as { socket?: { socket?: UdpSocket } }).socket?.socket
  if (!dgram) return
  raiseUdpBuffers(dgram)
  let got = 0
  try {
    got = dgram.getRecvBufferSize()
  } catch {
    /* not permitted: keep the defaults */
  }
  if (got < UDP_BUFFER) {
    log.warn(`QUIC: UDP receive buffer is ${got} bytes, wanted ${UDP_BUFFER}; raise net.core.rmem_max and net.core.wmem_max to ${UDP_BUFFER} (datagrams may be dropped under load)`)
  }
}

function quietLogger(): Logger {
  return new Logger('quic', LogLevel.SILENT, [])
}

let trusted: string[] | undefined

/**
 * The CAs a tls=2 client trusts, as node:tls does for the TCP pools: Node's default list (bundled roots, plus the
 * system store when Node runs with --use-system-ca) and NODE_EXTRA_CA_CERTS. quiche is given them explicitly: left
 * to itself BoringSSL only looks in its compiled-in OpenSSL directories and knows nothing of NODE_EXTRA_CA_CERTS.
 * tls.getCACertificates() (Node >= 22.15) already includes the extra file; older Node reads it here, as Node does
 * at startup.
 */
export function trustedCas(): string[] {
  if (trusted) return trusted
  const get = (nodeTls as { getCACertificates?: (type?: string) => string[] }).getCACertificates
  if (typeof get === 'function') {
    trusted = get('default')
    return trusted
  }
  const list = [...nodeTls.rootCertificates]
  const extra = process.env.NODE_EXTRA_CA_CERTS
  if (extra) {
    try {
      list.push(...(readFileSync(extra, 'latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []))
    } catch {
      // Node warns about an unreadable file at startup itself; the certificate then stays untrusted.
    }
  }
  trusted = list
  return trusted
}

const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer

/** Retry-token HMAC for the server (TLS itself uses the certificate). */
const serverCryptoOps = {
  sign: (key: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer> =>
    Promise.resolve(toArrayBuffer(createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest())),
  verify: (key: ArrayBuffer, data: ArrayBuffer, sig: ArrayBuffer): Promise<boolean> => {
    const want = createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest()
    const got = Buffer.from(sig)
    return Promise.resolve(got.length === want.length && timingSafeEqual(got, want))
  },
}

const clientCryptoOps = {
  randomBytes: (data: ArrayBuffer): Promise<void> => {
    randomFillSync(new Uint8Array(data))
    return Promise.resolve()
  },
}

async function serverTransport(opts: ServerTransportOptions): ReturnType<TransportFactory['server']> {
  if (!opts.creds) throw new NodePassError(ERR.TRANSPORT_UNAVAILABLE, 'pool type 1 (QUIC) needs tls 1 or 2')
  return startServer(opts, opts.creds, await udpReceiveBudget())
}

function startServer(opts: ServerTransportOptions, creds: NonNullable<ServerTransportOptions['creds']>, udpBudget: number): ReturnType<TransportFactory['server']> {
  patchQuicStream() // before the first connection: it holds streams that arrive with the handshake (quic-patches.ts, 4)
  const server = new QUICServer({
    crypto: { key: toArrayBuffer(randomBytes(32)), ops: serverCryptoOps },
    config: { ...tuning(opts.max, udpBudget), ...creds.pair(), verifyPeer: false },
    logger: quietLogger(),
  })
  const conns = new Set<QUICConnection>()
  server.addEventListener(events.EventQUICServerConnection.name, (evt: Event) => {
    const conn = (evt as events.EventQUICServerConnection).detail
    const ip = unmapIp(conn.remoteHost)
    if (opts.admit(ip) === 'foreign') {
      opts.log.debug(`QUIC connection from ${ip} refused: not the handshaken client`)
      conn.stop({ isApp: true, errorCode: 1, force: true }).catch(() => {})
      return
    }
    opts.log.debug(`QUIC connection from ${joinHostPort(ip, conn.remotePort)}`)
    tuneConnection(conn)
    conns.add(conn)
    conn.addEventListener(events.EventQUICConnectionStopped.name, () => conns.delete(conn), { once: true })
    conn.addEventListener(events.EventQUICConnectionStream.name, (sevt: Event) => {
      const qs = (sevt as events.EventQUICConnectionStream).detail
      const stream = new QuicDuplex(qs, opts.endMarker === true)
      stream.on('error', () => {})
      if (opts.admit(ip) !== 'ok') return void stream.destroy()
      readOpener(stream, opts.tunables.handshakeTimeoutMs).then(
        () => opts.onStream({ stream, socket: undefined, fp: creds.fingerprint(), remoteIp: ip }),
        (err: unknown) => {
          opts.log.debug(`QUIC stream from ${ip}: ${describeError(err)}`)
          stream.destroy()
        },
      )
    })
    releaseStreams(conn)
  })
  server.addEventListener(events.EventQUICServerError.name, (evt: Event) => {
    opts.log.debug(`QUIC server error: ${describeError((evt as events.EventQUICServerError).detail)}`)
  })
  const host = opts.tunnelHost || '::'
  return server.start({ host, port: opts.tunnelPort, ...(host === '::' ? { ipv6Only: false } : {}) }).then(
    () => {
      growBuffers(server, opts.log)
      return {
      async close() {
        await withTimeout(server.stop({ isApp: true, errorCode: 0, force: true }), CLOSE_WAIT_MS).catch(() => {})
        conns.clear()
      },
      }
    },
    (err: unknown) => {
      throw new NodePassError(ERR.BIND_FAILED, `QUIC bind ${joinHostPort(host, opts.tunnelPort)}/udp: ${describeError(err)}`, { cause: err })
    },
  )
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms}ms`)), ms)
    }),
  ])
}

interface Live {
  readonly client: QUICClient
  readonly fp: string | undefined
  readonly ip: string
}

class QuicClientTransport implements ClientTransport {
  #live: Live | undefined
  #connecting: Promise<Live> | undefined
  #closed = false

  constructor(private readonly opts: ClientTransportOptions) {}

  #alive(l: Live | undefined): l is Live {
    return !!l && !l.client.closed && !l.client.connection.closed
  }

  #connection(): Promise<Live> {
    if (this.#alive(this.#live)) return Promise.resolve(this.#live)
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined))
    return this.#connecting
  }

  async #connect(): Promise<Live> {
    if (this.#closed) throw new NodePassError(ERR.CLOSED, 'transport closed')
    const { opts } = this
    const old = this.#live
    this.#live = undefined
    if (old) old.client.destroy({ force: true }).catch(() => {})
    const address = await opts.resolve()
    const udpBudget = await udpReceiveBudget()
    const where = joinHostPort(opts.host, opts.port)
    let client: QUICClient
    try {
      client = await QUICClient.createQUICClient(
        {
          host: address,
          port: opts.port,
          serverName: opts.tls.mode === 2 && opts.tls.servername !== 'none' ? opts.tls.servername : opts.host,
          localHost: address.includes(':') ? '::' : '0.0.0.0',
          crypto: { ops: clientCryptoOps },
          config: { ...tuning(opts.max, udpBudget), ...(opts.tls.mode === 2 ? { verifyPeer: true, ca: trustedCas() } : { verifyPeer: false }) },
          logger: quietLogger(),
        },
        { timer: opts.tunables.tcpDialTimeoutMs },
      )
    } catch (err) {
      if (err instanceof errors.ErrorQUICConnectionLocalTLS) {
        const name = opts.tls.mode === 2 && opts.tls.servername !== 'none' ? opts.tls.servername : opts.host
        throw new NodePassError(
          ERR.TLS_UNTRUSTED,
          `dial ${where}/quic: certificate verification failed: the server's certificate is not signed by a trusted CA (system store or NODE_EXTRA_CA_CERTS) or not valid for ${name}`,
          { cause: err },
        )
      }
      throw new NodePassError(ERR.DIAL_FAILED, `dial ${where}/quic: ${describeError(err)}`, { cause: err })
    }
    growBuffers(client, opts.log)
    tuneConnection(client.connection)
    client.addEventListener(events.EventQUICClientError.name, (evt: Event) => {
      opts.log.debug(`QUIC connection error: ${describeError((evt as events.EventQUICClientError).detail)}`)
    })
    const cert = client.connection.getRemoteCertsChain()[0]
    const live: Live = { client, fp: cert ? fingerprint(Buffer.from(cert)) : undefined, ip: unmapIp(client.connection.remoteHost) }
    this.#live = live
    if (this.#closed) await this.close()
    return live
  }

  async dial(): Promise<PoolStream> {
    const live = await this.#connection()
    let stream: Duplex
    try {
      stream = new QuicDuplex(live.client.connection.newStream('bidi'), this.opts.endMarker === true)
    } catch (err) {
      // The connection is unusable (e.g. stream limit or closing): drop it so the next dial re-dials.
      if (this.#live === live) {
        this.#live = undefined
        live.client.destroy({ force: true }).catch(() => {})
      }
      throw new NodePassError(ERR.DIAL_FAILED, `QUIC stream: ${describeError(err)}`, { cause: err })
    }
    stream.write(OPENER)
    return { stream, socket: undefined, fp: live.fp, remoteIp: live.ip }
  }

  async close(): Promise<void> {
    this.#closed = true
    const live = this.#live
    this.#live = undefined
    if (live) await withTimeout(live.client.destroy({ force: true }), CLOSE_WAIT_MS).catch(() => {})
  }
}

export const quicTransport: TransportFactory = {
  kind: 'quic',
  server: serverTransport,
  client: (opts: ClientTransportOptions) => Promise.resolve(new QuicClientTransport(opts)),
}
