// The API listener: plain HTTP (tls=0), HTTPS with an in-memory self-signed ECDSA P-256 cert (tls=1), or with
// crt/key files re-read every NP_RELOAD_INTERVAL (tls=2). TLS 1.3 only.
import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { loadPair, selfSignedPair } from '../tls/certs.js'
import { ERR, NodePassError, describeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { TlsConfig } from '../url/types.js'
import { tlsCode as tlsCodeOf, type TlsCode } from '../wire.js'
import type { RequestHandler } from './app.js'
import { methodNotAllowed } from './api-error.js'
import { CORS_HEADERS } from './http-util.js'

/** How long a client may take to send the request headers, and the whole request (headers and body). */
export interface ApiTimeouts {
  headersMs: number
  requestMs: number
}

export const DEFAULT_API_TIMEOUTS: ApiTimeouts = { headersMs: 20_000, requestMs: 60_000 }

/**
 * Node enforces headersTimeout/requestTimeout only when it sweeps its connections, every connectionsCheckingInterval
 * (30 s by default), so a 20 s limit fired after 20–50 s. Sweeping every quarter of the header limit (at most 1 s)
 * makes both fire within that much of the configured time.
 */
export function checkingIntervalMs(t: ApiTimeouts): number {
  return Math.max(25, Math.min(1000, Math.floor(t.headersMs / 4)))
}

/** The raw reply to a CONNECT request (node:http leaves those to a 'connect' listener and drops them otherwise). */
export function connectRefusal(): string {
  const err = methodNotAllowed()
  const body = JSON.stringify({ error: err.message, code: err.code, hint: err.hint, ...err.extra }) + '\n'
  const headers = { ...CORS_HEADERS, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' }
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
  return `HTTP/1.1 ${err.status} Method Not Allowed\r\n${lines.join('\r\n')}\r\n\r\n${body}`
}

export interface ApiServer {
  readonly server: Server
  readonly tlsCode: TlsCode
  close(): Promise<void>
}

export async function createApiServer(
  tls: TlsConfig,
  handler: RequestHandler,
  opts: { reloadIntervalMs: number; log: Logger; timeouts?: ApiTimeouts },
): Promise<ApiServer> {
  let server: Server
  let reload: NodeJS.Timeout | undefined
  const timeouts = opts.timeouts ?? DEFAULT_API_TIMEOUTS
  const http = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: checkingIntervalMs(timeouts),
  }
  switch (tls.mode) {
    case 0:
      server = createHttpServer(http, handler)
      break
    case 1: {
      server = createHttpsServer({ ...http, ...(await selfSignedPair()), minVersion: 'TLSv1.3' }, handler)
      break
    }
    case 2: {
      const s = createHttpsServer({ ...http, ...loadPair(tls.crt, tls.key), minVersion: 'TLSv1.3' }, handler)
      reload = setInterval(() => {
        try {
          s.setSecureContext({ ...loadPair(tls.crt, tls.key), minVersion: 'TLSv1.3' })
          opts.log.info(`API certificate reloaded: ${tls.crt}`)
        } catch (err) {
          opts.log.warn(`API certificate reload failed, keeping the old one: ${describeError(err)}`)
        }
      }, opts.reloadIntervalMs)
      reload.unref()
      server = s
      break
    }
  }
  server.on('connect', (_req, socket) => {
    socket.on('error', () => socket.destroy())
    socket.end(connectRefusal())
  })
  return { server, tlsCode: tlsCodeOf(tls.mode), close: closer(server, () => clearInterval(reload)) }
}

/** How long a request already being answered may still take once the master stops. */
export const CLOSE_GRACE_MS = 2000

/**
 * close() for the API listener: requests being answered finish (up to CLOSE_GRACE_MS), then every connection is
 * closed. server.close() alone waits for every connection to end, and closeIdleConnections() misses a connection that
 * has not sent a complete request (a browser's preconnect, a half-sent header, a TLS handshake not begun): one such
 * client held the master's shutdown until it was killed.
 */
function closer(server: Server, cleanup: () => void): () => Promise<void> {
  const sockets = new Set<Socket>()
  let answering = 0
  let done: Promise<void> | undefined
  const destroyAll = (): void => {
    for (const s of sockets) s.destroy()
  }
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('request', (_req, res: ServerResponse) => {
    answering++
    res.on('close', () => {
      if (--answering === 0 && done !== undefined) destroyAll()
    })
  })
  return () =>
    (done ??= new Promise<void>((resolve) => {
      cleanup()
      server.close(() => resolve())
      server.closeIdleConnections()
      if (answering === 0) return destroyAll()
      setTimeout(destroyAll, CLOSE_GRACE_MS).unref()
    }))
}

export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new NodePassError(ERR.BIND_FAILED, `listen ${host}:${port}: ${err.message}`, { cause: err }))
    server.once('error', onError)
    server.listen({ host: host === '' ? undefined : host, port }, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}
