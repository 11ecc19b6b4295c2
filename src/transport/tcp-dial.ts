// The TCP dial shared by the plain and the TLS pool dial: socket options, then settle on connect/error/timeout.
import type { Socket, TcpNetConnectOpts } from 'node:net'
import { NodePassError, ERR, describeError } from '../errors.js'
import { unmapIp } from '../net/addr.js'
import type { ClientTransportOptions, PoolStream } from './types.js'

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
