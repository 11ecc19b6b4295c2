// The API listener: plain HTTP (tls=0), HTTPS with an in-memory self-signed ECDSA P-256 cert (tls=1), or with
// crt/key files re-read every NP_RELOAD_INTERVAL (tls=2). TLS 1.3 only.
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { loadPair, selfSignedPair } from '../tls/certs.js'
import { ERR, NodePassError, describeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { TlsConfig } from '../url/types.js'
import { tlsCode as tlsCodeOf, type TlsCode } from '../wire.js'
import type { RequestHandler } from './app.js'

export interface ApiServer {
  readonly server: Server
  readonly tlsCode: TlsCode
  close(): Promise<void>
}

export async function createApiServer(
  tls: TlsConfig,
  handler: RequestHandler,
  opts: { reloadIntervalMs: number; log: Logger },
): Promise<ApiServer> {
  let server: Server
  let reload: NodeJS.Timeout | undefined
  switch (tls.mode) {
    case 0:
      server = createHttpServer(handler)
      break
    case 1: {
      server = createHttpsServer({ ...(await selfSignedPair()), minVersion: 'TLSv1.3' }, handler)
      break
    }
    case 2: {
      const s = createHttpsServer({ ...loadPair(tls.crt, tls.key), minVersion: 'TLSv1.3' }, handler)
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
  server.headersTimeout = 20_000
  server.requestTimeout = 60_000
  return {
    server,
    tlsCode: tlsCodeOf(tls.mode),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(reload)
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
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
