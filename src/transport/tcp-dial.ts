// The TCP dial shared by the plain and the TLS pool dial: socket options, then settle on connect/error/timeout.
import type { Socket, TcpNetConnectOpts } from 'node:net'
import { NodePassError, ERR, describeError } from '../errors.js'
import { unmapIp } from '../net/addr.js'
import { whenConnected } from '../net/connecting.js'
import type { ClientTransportOptions, PoolStream } from './types.js'

/** Socket options shared by the plain and the TLS dial (highWaterMark is missing from @types/node 20). */
export function connectCommon(opts: ClientTransportOptions, host: string): TcpNetConnectOpts & { highWaterMark: number } {
  return { host, port: opts.port, allowHalfOpen: true, noDelay: true, highWaterMark: opts.tunables.tcpDataBufSize, keepAlive: true, keepAliveInitialDelay: opts.tunables.reportIntervalMs }
}

/** The rejection of a dial whose signal was aborted (the tunnel is closing). */
export function dialAborted(opts: { host: string; port: number }): NodePassError {
  return new NodePassError(ERR.CLOSED, `dial ${opts.host}:${opts.port}: aborted`)
}

/**
 * Resolves with the pool stream once `ready` fires on sock, or rejects (and destroys it) on error, timeout or an
 * abort of `signal`.
 */
export async function settleDial(
  opts: ClientTransportOptions,
  sock: Socket,
  ready: 'connect' | 'secureConnect',
  fp: () => string | undefined,
  signal?: AbortSignal,
): Promise<PoolStream> {
  try {
    await whenConnected(sock, ready, opts.tunables.tcpDialTimeoutMs, signal, {
      timeout: () => new NodePassError(ERR.TARGET_TIMEOUT, `dial ${opts.host}:${opts.port}: timeout`),
      aborted: () => dialAborted(opts),
    })
  } catch (err) {
    throw err instanceof NodePassError ? err : new NodePassError(ERR.DIAL_FAILED, `dial ${opts.host}:${opts.port}: ${describeError(err)}`, { cause: err })
  }
  return { stream: sock, socket: sock, fp: fp(), remoteIp: unmapIp(sock.remoteAddress ?? '') }
}
