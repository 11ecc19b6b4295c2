// The dual-end handshake (docs/protocol.md §2): plain HTTP/1.1 GET / on the tunnel TCP port, bearer token,
// JSON config reply. A TS client announces itself with a header; the server then adds "np" to the reply (D1).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { loadHttps } from '../tls/lazy.js'
import type { Socket } from 'node:net'
import { NodePassError, ERR, describeError, type ErrorCode } from '../errors.js'
import type { Logger } from '../log.js'
import {
  CAPABILITY_HEADER, FEATURES, FEATURES_HEADER, TS_CAPABILITY, knownFeatures, checkAuthorization, decodeHandshakeConfig, encodeHandshakeConfig, handshakeToken,
  type HandshakeConfig,
} from '../wire.js'
import { joinHostPort, unmapIp } from '../net/addr.js'

export interface AcceptedHandshake {
  readonly clientIp: string
  /** True when the client is NodePass-TS (length-framed UDP etc.). */
  readonly tsPeer: boolean
  /** Optional features both ends speak (FEATURES_HEADER). */
  readonly features: readonly string[]
}

/**
 * Serves handshake requests on sockets fed to `handle()` until one carries the right token; resolves then.
 * Wrong tokens get 401 and the server keeps waiting (no timeout, as upstream).
 */
export class HandshakeServer {
  readonly #http: Server
  readonly #done: Promise<AcceptedHandshake>

  /** `enable` filters the known features a TS client offers down to those this server's configuration can use. */
  constructor(key: string, reply: Omit<HandshakeConfig, 'np' | 'npf'>, log: Logger, enable: (feature: string) => boolean = () => true) {
    let resolve!: (a: AcceptedHandshake) => void
    this.#done = new Promise((r) => (resolve = r))
    let accepted = false
    this.#http = createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (req: IncomingMessage, res: ServerResponse) => {
      const from = unmapIp(req.socket.remoteAddress ?? '')
      const text = (status: number, body: string): void => {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(body + '\n')
      }
      if (accepted) return text(503, 'handshake already done')
      if (req.method !== 'GET') return text(405, 'Method Not Allowed')
      if ((req.url ?? '').split('?')[0] !== '/') return text(404, 'Not Found')
      if (!checkAuthorization(req.headers.authorization, key)) {
        log.warn(`Tunnel handshake refused from ${from}: invalid tunnel key`)
        return text(401, 'Unauthorized')
      }
      accepted = true
      const tsPeer = req.headers[CAPABILITY_HEADER] === TS_CAPABILITY
      const header = req.headers[FEATURES_HEADER]
      const features = tsPeer ? knownFeatures(typeof header === 'string' ? header : undefined).filter(enable) : []
      const cfg: HandshakeConfig = tsPeer ? { ...reply, np: TS_CAPABILITY, ...(features.length > 0 ? { npf: features.join(',') } : {}) } : reply
      log.info(`Sending tunnel config: FLOW=${cfg.flow}|MAX=${cfg.max}|TLS=${cfg.tls}|TYPE=${cfg.type}`)
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' }).end(encodeHandshakeConfig(cfg))
      resolve({ clientIp: from, tsPeer, features })
    })
    this.#http.on('clientError', (_err, socket: Socket) => socket.destroy())
  }

  handle(socket: Socket): void {
    this.#http.emit('connection', socket)
  }

  get done(): Promise<AcceptedHandshake> {
    return this.#done
  }

  close(): void {
    this.#http.closeAllConnections()
    this.#http.close()
  }
}

export interface ClientHandshakeOptions {
  readonly host: string
  readonly port: number
  /** Host header (sni or the tunnel host; literally `none` when the tunnel host is an IP, as upstream). */
  readonly serverName: string
  readonly key: string
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** The optional features offered (default: all of FEATURES). */
  readonly features?: readonly string[]
}

/** Sends the handshake request; resolves with the server's tunnel config or rejects with the reason. */
export async function clientHandshake(opts: ClientHandshakeOptions): Promise<HandshakeConfig> {
  const fn = opts.port === 443 ? (await loadHttps()).request : httpRequest
  return new Promise((resolve, reject) => {
    const req = fn({
      host: opts.host,
      port: opts.port,
      method: 'GET',
      path: '/',
      timeout: opts.timeoutMs,
      agent: false,
      headers: {
        Host: opts.serverName === 'none' ? joinHostPort(opts.host, opts.port) : opts.serverName,
        Authorization: `Bearer ${handshakeToken(opts.key)}`,
        [CAPABILITY_HEADER]: TS_CAPABILITY,
        [FEATURES_HEADER]: (opts.features ?? FEATURES).join(','),
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    const fail = (msg: string, cause?: unknown, code: ErrorCode = ERR.HANDSHAKE_FAILED): void => {
      req.destroy()
      reject(new NodePassError(code, `tunnelHandshake: ${msg}`, cause ? { cause } : undefined))
    }
    req.on('timeout', () => fail(`no answer from ${joinHostPort(opts.host, opts.port)} within ${opts.timeoutMs}ms`))
    req.on('error', (err) => fail(describeError(err), err))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > 4096) fail('reply too large', undefined, ERR.PROTOCOL_MISMATCH)
        else chunks.push(c)
      })
      res.on('error', (err) => fail(describeError(err), err))
      res.on('end', () => {
        if (res.statusCode === 401) return fail(`status 401 Unauthorized (wrong tunnel key?)`, undefined, ERR.AUTH_FAILED)
        // Any other answer comes from something that is not a NodePass server of a compatible version.
        if (res.statusCode !== 200) return fail(`status ${res.statusCode}`, undefined, ERR.PROTOCOL_MISMATCH)
        try {
          resolve(decodeHandshakeConfig(Buffer.concat(chunks).toString('utf8')))
        } catch (err) {
          fail(describeError(err), err, ERR.PROTOCOL_MISMATCH)
        }
      })
    })
    req.end()
  })
}
