// Minimal target dialling: rotate the start index, try targets in order, first success wins.
// (Load-balancing strategies, health marking, DNS cache and the `dial` source address live in src/net/.)
import { connect, type Socket } from 'node:net'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { NodePassError, ERR, describeError } from '../errors.js'
import type { HostPort } from '../url/types.js'
import { joinHostPort } from '../net/addr.js'

export interface TargetDialer {
  dialTcp(): Promise<{ socket: Socket; target: HostPort }>
  dialUdp(): Promise<{ socket: UdpSocket; target: HostPort }>
  next(): HostPort
}

export function createSimpleDialer(targets: readonly HostPort[], timeoutMs: number): TargetDialer {
  let counter = 0
  const order = (): HostPort[] => {
    const start = counter++ % targets.length
    return [...targets.slice(start), ...targets.slice(0, start)]
  }
  const tcpOnce = (t: HostPort): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: t.host || '127.0.0.1', port: t.port, allowHalfOpen: true, noDelay: true })
      const timer = setTimeout(() => s.destroy(new Error('timeout')), timeoutMs)
      s.once('error', (err) => {
        clearTimeout(timer)
        s.destroy()
        reject(err)
      })
      s.once('connect', () => {
        clearTimeout(timer)
        s.removeAllListeners('error')
        resolve(s)
      })
    })
  return {
    next: () => order()[0]!,
    async dialTcp() {
      let last: unknown
      const list = order()
      for (const t of list) {
        try {
          return { socket: await tcpOnce(t), target: t }
        } catch (err) {
          last = err
        }
      }
      const where = list.length === 1 ? joinHostPort(list[0]!.host, list[0]!.port) : `all ${list.length} targets`
      throw new NodePassError(ERR.DIAL_FAILED, `dial ${where} failed: ${describeError(last)}`)
    },
    async dialUdp() {
      const t = order()[0]!
      const host = t.host || '127.0.0.1'
      const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject)
        sock.connect(t.port, host, () => {
          sock.off('error', reject)
          resolve()
        })
      })
      return { socket: sock, target: t }
    },
  }
}
