// type=2: one WebSocket per pool entry on the tunnel TCP port (wss:// with tls 1/2 or tls 0 on port 443).
// Server: any path, no Origin check, no client-IP restriction (as upstream), 503 `pool full` while the pool is full;
// the 4-byte ID is the server's first binary message. No compression, no read limit, no app-level pings.
import { createServer, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { WebSocket, WebSocketServer } from 'ws'
import { NodePassError, ERR, describeError } from '../errors.js'
import { joinHostPort, unmapIp } from '../net/addr.js'
import { acceptTls, clientTlsOptions, peerFingerprint } from './tls-stream.js'
import { dialAborted } from './tcp-dial.js'
import type { ClientTransportOptions, PoolStream, ServerTransportOptions, TransportFactory } from './types.js'
import { wsDuplex } from './ws-stream.js'
import { WS_POOL_FULL_REPLY } from '../wire.js'

/** No read limit (as upstream's SetReadLimit(-1)); ws treats 0 as "no limit". */
const NO_LIMIT = 0

function serverTransport(opts: ServerTransportOptions): ReturnType<TransportFactory['server']> {
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: NO_LIMIT, clientTracking: false })
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('upgrade required\n')
  })
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const verdict = opts.admit(unmapIp(socket.remoteAddress ?? ''))
    if (verdict === 'full') return void socket.end(WS_POOL_FULL_REPLY)
    if (verdict === 'foreign') return void socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => {
      opts.onStream({
        stream: wsDuplex(ws),
        socket,
        fp: opts.creds ? opts.creds.fingerprint() : undefined,
        remoteIp: unmapIp(socket.remoteAddress ?? ''),
      })
    })
  })
  http.on('clientError', (_err, socket: Socket) => socket.destroy())
  return Promise.resolve({
    handleSocket(socket: Socket) {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      if (!opts.creds) return void http.emit('connection', socket)
      acceptTls(socket, opts).then(
        (sec) => http.emit('connection', sec),
        (err: unknown) => opts.log.debug(`Pool TLS handshake failed from ${socket.remoteAddress}: ${describeError(err)}`),
      )
    },
    close() {
      for (const s of sockets) s.destroy()
      wss.close()
      http.close()
      return Promise.resolve()
    },
  })
}

/** ws:// for tls 0 except on port 443; wss:// otherwise (tls 1 unverified, tls 2 and port 443 verified). */
export function wsUrl(opts: Pick<ClientTransportOptions, 'host' | 'port' | 'tls'>): string {
  const secure = opts.tls.mode !== 0 || opts.port === 443
  return `${secure ? 'wss' : 'ws'}://${joinHostPort(opts.host, opts.port)}/`
}

/** A dns.lookup replacement that answers with an address already resolved (the DNS cache's answer). */
function fixedLookup(address: string): never {
  const family = address.includes(':') ? 6 : 4
  return ((_host: string, o: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) => {
    if (o.all) cb(null, [{ address, family }])
    else cb(null, address, family)
  }) as never
}

function dialWs(opts: ClientTransportOptions, address: string, signal?: AbortSignal): Promise<PoolStream> {
  const secure = opts.tls.mode !== 0 || opts.port === 443
  const verify = opts.tls.mode === 2 || (opts.tls.mode === 0 && opts.port === 443)
  const url = wsUrl(opts)
  return new Promise((resolve, reject) => {
    // Dial the resolved address; Host header and TLS ServerName stay the tunnel hostname (as upstream).
    const tlsOpts = secure ? clientTlsOptions(verify ? { mode: 2, servername: opts.host } : { mode: 1 }) : {}
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: NO_LIMIT,
      handshakeTimeout: opts.tunables.tcpDialTimeoutMs,
      followRedirects: false,
      ...tlsOpts,
      ...(address !== opts.host ? { lookup: fixedLookup(address) } : {}),
    })
    let sock: Socket | undefined
    const onAbort = (): void => fail(dialAborted(opts))
    const fail = (err: Error): void => {
      signal?.removeEventListener('abort', onAbort)
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.terminate()
      reject(err instanceof NodePassError ? err : new NodePassError(ERR.DIAL_FAILED, `dial ${url}: ${describeError(err)}`, { cause: err }))
    }
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    ws.once('upgrade', (res: IncomingMessage) => {
      sock = res.socket
    })
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c))
      res.once('end', () => fail(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').trim()}`)))
      res.once('error', fail)
    })
    ws.once('error', fail)
    ws.once('open', () => {
      signal?.removeEventListener('abort', onAbort)
      ws.off('error', fail)
      const s = sock
      if (s) {
        s.setNoDelay(true)
        s.setKeepAlive(true, opts.tunables.reportIntervalMs)
      }
      resolve({
        stream: wsDuplex(ws),
        socket: s,
        fp: secure && s ? peerFingerprint(s as TLSSocket) : undefined,
        remoteIp: unmapIp(s?.remoteAddress ?? ''),
      })
    })
  })
}

export const wsTransport: TransportFactory = {
  kind: 'ws',
  server: serverTransport,
  client(opts: ClientTransportOptions) {
    return Promise.resolve({
      dial: async (signal?: AbortSignal) => dialWs(opts, await opts.resolve(), signal),
      close: () => Promise.resolve(),
    })
  },
}
