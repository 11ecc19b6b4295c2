// type=3: HTTP/2 over one TLS 1.3 session (ALPN h2). Each pool entry is a `POST /stream` stream: the client writes
// the 0x00 opener, the server reads it, answers 200 and the pool writes the 4-byte ID as the first response bytes.
// Then request DATA carries client→server bytes and response DATA server→client bytes; END_STREAM is a half-close,
// RST_STREAM an abort. The client PINGs every NP_REPORT_INTERVAL and re-dials when the session dies.
import {
  connect as h2connect,
  constants,
  createSecureServer,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { Socket } from 'node:net'
import { monotonicMs } from '../duration.js'
import { NodePassError, ERR, describeError } from '../errors.js'
import { joinHostPort, unmapIp } from '../net/addr.js'
import { dialStream } from './tcp.js'
import { readOpener } from './opener.js'
import { H2_ALPN, H2_METHOD, H2_PATH, OPENER } from '../wire.js'
import { TLS13_CIPHERS, TLS_MIN_VERSION } from '../tls/certs.js'
import type { ClientTransport, ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'

/**
 * Flow-control windows per stream and per connection. The connection window must stay well below what the TCP
 * socket buffers absorb, or both ends wait for each other until the PING timeout (docs/design-notes.md).
 */
const STREAM_WINDOW = 1 << 20
const SESSION_WINDOW = 2 << 20
/** nghttp2 memory cap per session, in MB (Node's default of 10 is too small for hundreds of busy streams). */
const SESSION_MEMORY_MB = 256
/** Streams at once: every pooled connection is a stream, so no cap here; slot and max bound them (docs/design-notes.md). */
const MAX_STREAMS = 0xffff_ffff
/** As Go's http2 transport (PingTimeout 15 s). */
const PING_TIMEOUT_MS = 15_000
/**
 * What the streams still open on a connection that ended fail with: HTTP/2 ends a stream with END_STREAM, never with
 * the connection's end, so each of them was cut short and its relay resets the socket it carries (net/reset.ts).
 */
const LOST = new Error('HTTP/2 connection lost')

function refuse(stream: ServerHttp2Stream, status: number, body: string): void {
  if (stream.destroyed || stream.headersSent) return
  stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8' })
  stream.end(body)
}

function serverTransport(opts: ServerTransportOptions): ReturnType<TransportFactory['server']> {
  if (!opts.creds) return Promise.reject(new NodePassError(ERR.TRANSPORT_UNAVAILABLE, 'pool type 3 (HTTP/2) needs tls 1 or 2'))
  const creds = opts.creds
  const sockets = new Set<Socket>()
  const tlsSockets = new Set<Socket>()
  const sessions = new Set<ServerHttp2Session>()
  // TLS is done by the secure server itself (a session must see the TLS socket before any byte is read from it).
  let fp = creds.fingerprint()
  const h2 = createSecureServer({
    ...creds.pair(),
    minVersion: TLS_MIN_VERSION,
    ciphers: TLS13_CIPHERS,
    honorCipherOrder: true,
    ALPNProtocols: [H2_ALPN],
    handshakeTimeout: opts.tunables.handshakeTimeoutMs,
    settings: { maxConcurrentStreams: MAX_STREAMS, initialWindowSize: STREAM_WINDOW, enablePush: false },
    maxSessionMemory: SESSION_MEMORY_MB,
  })
  h2.setTimeout(0)
  h2.on('tlsClientError', (err: Error, sock: Socket) => opts.log.debug(`Pool TLS handshake failed from ${sock.remoteAddress}: ${describeError(err)}`))
  h2.on('unknownProtocol', (sock: Socket) => sock.destroy())
  h2.on('secureConnection', (sock: Socket) => {
    tlsSockets.add(sock)
    sock.once('close', () => tlsSockets.delete(sock))
  })
  h2.on('session', (session: ServerHttp2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    session.socket.once('end', () => session.destroy(LOST))
    session.on('error', (err) => opts.log.debug(`HTTP/2 session error: ${describeError(err)}`))
    session.once('connect', () => {
      if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW)
    })
  })
  h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {})
    const ip = unmapIp(stream.session?.socket?.remoteAddress ?? '')
    const verdict = opts.admit(ip)
    if (verdict === 'foreign') return refuse(stream, 403, 'forbidden\n')
    if (headers[':path'] !== H2_PATH || headers[':method'] !== H2_METHOD || verdict === 'full') return refuse(stream, 404, 'not found\n')
    readOpener(stream, opts.tunables.handshakeTimeoutMs).then(
      () => {
        if (stream.destroyed) return
        stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
        opts.onStream({ stream, socket: undefined, fp: creds.fingerprint(), remoteIp: ip })
      },
      (err: unknown) => {
        opts.log.debug(`HTTP/2 stream from ${ip}: ${describeError(err)}`)
        stream.close(constants.NGHTTP2_PROTOCOL_ERROR)
      },
    )
  })
  return Promise.resolve({
    handleSocket(socket: Socket) {
      creds.context() // tls=2: reloads the pair once NP_RELOAD_INTERVAL has passed
      if (creds.fingerprint() !== fp) {
        fp = creds.fingerprint()
        h2.setSecureContext({ ...creds.pair(), minVersion: TLS_MIN_VERSION, ciphers: TLS13_CIPHERS, honorCipherOrder: true })
      }
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      h2.emit('connection', socket)
    },
    close() {
      // Sockets before sessions, the TLS ones included: a session destroyed over a live socket resets each open
      // stream, and after the peer began closing that can spin nghttp2 forever (see server.ts close()). A FIN, not a
      // TCP reset, as the client's close() (where a reset crashed Node 20): the client fails its open streams on it.
      for (const s of sockets) s.destroy()
      for (const s of tlsSockets) s.destroy()
      for (const s of sessions) s.destroy()
      h2.close()
      return Promise.resolve()
    },
  })
}

/** The client's current HTTP/2 session and what it learnt when it connected. */
interface ConnectedSession {
  readonly session: ClientHttp2Session
  readonly sock: Socket
  readonly fp: string | undefined
  readonly ip: string
}

class H2Client implements ClientTransport {
  #live: ConnectedSession | undefined
  #connecting: Promise<ConnectedSession> | undefined
  #closed = false
  readonly #authority: string

  constructor(private readonly opts: ClientTransportOptions) {
    this.#authority = joinHostPort(opts.host, opts.port)
  }

  #session(): Promise<ConnectedSession> {
    const live = this.#live
    if (live && !live.session.closed && !live.session.destroyed) return Promise.resolve(live)
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined))
    return this.#connecting
  }

  async #connect(): Promise<ConnectedSession> {
    if (this.#closed) throw new NodePassError(ERR.CLOSED, 'transport closed')
    const { opts } = this
    // TLS is forced for type=3: tls=0 here would be a peer bug; dial as tls=1 (no verification).
    const tls = opts.tls.mode === 0 ? ({ mode: 1 } as const) : opts.tls
    const ps = await dialStream({ ...opts, tls }, await opts.resolve(), [H2_ALPN])
    const sock = ps.stream as Socket & { alpnProtocol?: string | false }
    if (sock.alpnProtocol !== H2_ALPN) {
      sock.destroy()
      throw new NodePassError(ERR.DIAL_FAILED, `dial ${this.#authority}: server did not negotiate h2`)
    }
    const session = h2connect(`https://${this.#authority}`, {
      createConnection: () => sock,
      settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
      // Until the server's SETTINGS arrive, Node assumes the peer allows 100 streams.
      peerMaxConcurrentStreams: MAX_STREAMS,
      maxSessionMemory: SESSION_MEMORY_MB,
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.destroy()
        reject(new NodePassError(ERR.DIAL_FAILED, `dial ${this.#authority}: HTTP/2 session timeout`))
      }, opts.tunables.tcpDialTimeoutMs)
      session.once('connect', () => {
        clearTimeout(timer)
        resolve()
      })
      session.once('error', (err) => {
        clearTimeout(timer)
        reject(new NodePassError(ERR.DIAL_FAILED, `dial ${this.#authority}: ${describeError(err)}`, { cause: err }))
      })
    })
    session.on('error', (err) => opts.log.debug(`HTTP/2 session error: ${describeError(err)}`))
    // A lost connection ends the session (and so all its streams) at once, without a RST_STREAM per stream.
    sock.once('end', () => session.destroy(LOST))
    sock.once('close', () => session.destroy(LOST))
    if (session.destroyed) throw new NodePassError(ERR.DIAL_FAILED, `dial ${this.#authority}: HTTP/2 session closed`)
    session.setLocalWindowSize(SESSION_WINDOW)
    const live: ConnectedSession = { session, sock, fp: ps.fp, ip: ps.remoteIp }
    this.#keepAlive(live)
    session.once('close', () => {
      if (this.#live === live) this.#live = undefined
    })
    session.once('goaway', () => {
      if (this.#live === live) this.#live = undefined
    })
    this.#live = live
    if (this.#closed) session.destroy()
    return live
  }

  /** PING every report interval; one unanswered for PING_TIMEOUT_MS (a busy peer is slow, not dead) kills the session. */
  #keepAlive(live: ConnectedSession): void {
    let sentAt = 0
    const timer = setInterval(() => {
      if (live.session.destroyed || live.session.closed) return clearInterval(timer)
      if (sentAt) {
        if (monotonicMs() - sentAt > PING_TIMEOUT_MS) live.session.destroy(new Error('HTTP/2 ping timeout'))
        return
      }
      sentAt = monotonicMs()
      try {
        const sent = live.session.ping((err) => {
          sentAt = 0
          if (err && !live.session.destroyed) live.session.destroy(err)
        })
        if (!sent) sentAt = 0
      } catch (err) {
        live.session.destroy(err as Error)
      }
    }, this.opts.tunables.reportIntervalMs)
    live.session.once('close', () => clearInterval(timer))
  }

  async dial(): Promise<PoolStream> {
    const live = await this.#session()
    if (live.session.closed || live.session.destroyed) throw new NodePassError(ERR.DIAL_FAILED, 'HTTP/2 session closed')
    const req: ClientHttp2Stream = live.session.request(
      { ':method': H2_METHOD, ':path': H2_PATH, ':scheme': 'https', ':authority': this.#authority, 'content-type': 'application/octet-stream' },
      { endStream: false },
    )
    req.write(OPENER)
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        clearTimeout(timer)
        req.destroy()
        reject(err instanceof NodePassError ? err : new NodePassError(ERR.DIAL_FAILED, `HTTP/2 stream: ${describeError(err)}`, { cause: err }))
      }
      const timer = setTimeout(() => fail(new Error('no response in time')), this.opts.tunables.handshakeTimeoutMs)
      const onClose = (): void => fail(new Error('stream closed before the response'))
      req.once('error', fail)
      req.once('close', onClose)
      req.once('response', (headers) => {
        const status = headers[':status']
        if (status === 200) {
          clearTimeout(timer)
          req.off('error', fail)
          req.off('close', onClose)
          return resolve()
        }
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c))
        req.once('end', () => fail(new NodePassError(ERR.DIAL_FAILED, `HTTP/2 stream: HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').trim()}`)))
      })
    })
    return { stream: req, socket: undefined, fp: live.fp, remoteIp: live.ip }
  }

  close(): Promise<void> {
    this.#closed = true
    // The socket first, as the server's close(). A FIN, which fails the server's open streams (LOST): on Node 20 a
    // reset of the TCP socket beneath a live HTTP/2 session corrupted the heap (transport-h2.test.ts, ~1 run in 10).
    this.#live?.sock.destroy()
    this.#live?.session.destroy()
    this.#live = undefined
    return Promise.resolve()
  }
}

export const h2Transport: TransportFactory = {
  kind: 'h2',
  server: serverTransport,
  client: (opts: ClientTransportOptions) => Promise.resolve(new H2Client(opts)),
}
