// block=1|2|3 (any combination): refuse SOCKS4/5, HTTP or TLS clients on the ingress (docs/parameters.md, block).
// Matching follows upstream; unlike upstream (which waits for 8 bytes) a decision is made as soon as the bytes
// seen so far allow one, and after `timeoutMs` without one the connection passes, so a protocol where the server
// speaks first is never stalled (D2).
import type { Socket } from 'node:net'
import type { BlockConfig } from '../url/types.js'

export type BlockedProtocol = 'SOCKS4' | 'SOCKS5' | 'HTTP' | 'TLS'

/** The longest prefix the matcher ever needs (upstream peeks 8 bytes). */
export const SNIFF_BYTES = 8
export const DEFAULT_SNIFF_TIMEOUT_MS = 200

export function blockEnabled(block: BlockConfig): boolean {
  return block.socks || block.http || block.tls
}

const isUpper = (b: number): boolean => b >= 0x41 && b <= 0x5a

/**
 * The verdict on the first bytes of a stream: a blocked protocol, 'pass', or 'more' when the bytes so far
 * could still be a blocked protocol.
 */
export function classify(head: Buffer, block: BlockConfig): BlockedProtocol | 'pass' | 'more' {
  if (head.length === 0) return blockEnabled(block) ? 'more' : 'pass'
  const b0 = head[0]!
  if (block.tls && b0 === 0x16) return 'TLS'
  if (block.socks && (b0 === 0x04 || b0 === 0x05)) {
    if (head.length < 2) return 'more'
    const b1 = head[1]!
    if (b0 === 0x04 && (b1 === 0x01 || b1 === 0x02)) return 'SOCKS4'
    if (b0 === 0x05 && b1 >= 0x01 && b1 <= 0x03) return 'SOCKS5'
    return 'pass'
  }
  if (block.http && isUpper(b0)) {
    // An upper-case method of 1..8 letters followed by a space, within the first 8 bytes.
    for (let i = 1; i < Math.min(head.length, SNIFF_BYTES); i++) {
      const b = head[i]!
      if (b === 0x20) return 'HTTP'
      if (!isUpper(b)) return 'pass'
    }
    return head.length >= SNIFF_BYTES ? 'pass' : 'more'
  }
  return 'pass'
}

export interface SniffResult {
  /** The protocol to refuse, or undefined to let the connection through. */
  readonly blocked: BlockedProtocol | undefined
  /** Every byte read while sniffing; the caller must relay these first. */
  readonly head: Buffer
  /** The peer already sent EOF (after `head`); the caller must end the destination after writing `head`. */
  readonly ended: boolean
}

/**
 * Reads the first bytes of `socket` until they decide, EOF, an error or `timeoutMs`. Afterwards the socket is
 * paused with no 'data' listener left; nothing is closed here.
 */
export function sniff(socket: Socket, block: BlockConfig, timeoutMs = DEFAULT_SNIFF_TIMEOUT_MS): Promise<SniffResult> {
  return new Promise((resolve) => {
    let head: Buffer = Buffer.alloc(0)
    let settled = false
    const finish = (blocked: BlockedProtocol | undefined, ended: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onEnd)
      socket.off('close', onEnd)
      socket.pause()
      resolve({ blocked, head, ended })
    }
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
      const verdict = classify(head, block)
      if (verdict === 'more') return
      finish(verdict === 'pass' ? undefined : verdict, false)
    }
    const onEnd = (): void => finish(undefined, true)
    const timer = setTimeout(() => finish(undefined, false), timeoutMs)
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onEnd)
    socket.once('close', onEnd)
    const first = classify(head, block)
    if (first === 'pass') finish(undefined, false)
  })
}

/** Upstream's WARN text. */
export function blockedMessage(protocol: BlockedProtocol, from: string): string {
  return `blocked ${protocol} protocol from ${from}`
}
