// UDP echo checks: every datagram must come back byte-identical and whole (matched by its SHA-256).
import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { sha256 } from './net.js'

export interface UdpEchoResult {
  readonly sent: number
  readonly echoed: number
  /** Datagrams that came back but match nothing we sent (split, merged or corrupted). */
  readonly foreign: number
  readonly retries: number
}

/**
 * Sends one datagram of each size (random bytes) to 127.0.0.1:port, `window` at a time, and waits for every one to
 * come back. A datagram missing after `waitMs` is sent again, at most `maxRetries` times in all.
 */
export async function udpEchoCheck(port: number, sizes: readonly number[], opts: { window?: number; waitMs?: number; maxRetries?: number } = {}): Promise<UdpEchoResult> {
  const { window = 16, waitMs = 2000, maxRetries = 50 } = opts
  const sock = createSocket('udp4')
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  const pending = new Map<string, Buffer>()
  let echoed = 0
  let foreign = 0
  let retries = 0
  let wake: (() => void) | undefined
  // A datagram sent again after a timeout (a loaded machine) may come back twice: the late copy is not foreign.
  const done = new Set<string>()
  sock.on('message', (m: Buffer) => {
    const h = sha256(m)
    if (pending.delete(h)) {
      echoed++
      done.add(h)
    } else if (!done.has(h)) foreign++
    wake?.()
  })
  try {
    for (let i = 0; i < sizes.length; i += window) {
      const batch = sizes.slice(i, i + window).map((n) => randomBytes(n))
      for (const d of batch) pending.set(sha256(d), d)
      for (const d of batch) sock.send(d, port, '127.0.0.1')
      const deadline = Date.now() + 60_000
      while (pending.size > 0) {
        const got = await new Promise<boolean>((r) => {
          const t = setTimeout(() => r(false), waitMs)
          wake = () => {
            clearTimeout(t)
            r(true)
          }
        })
        if (!got && pending.size > 0) {
          if (retries >= maxRetries || Date.now() > deadline) throw new Error(`${pending.size} datagrams never echoed (sizes ${[...pending.values()].map((d) => d.length).join(',')})`)
          for (const d of pending.values()) {
            retries++
            sock.send(d, port, '127.0.0.1')
          }
        }
      }
    }
  } finally {
    sock.close()
  }
  return { sent: sizes.length, echoed, foreign, retries }
}

/** 2,000 sizes spread over 1..8192 (both ends included). */
export function spreadSizes(count = 2000, max = 8192): number[] {
  return Array.from({ length: count }, (_, i) => 1 + Math.floor((i * (max - 1)) / (count - 1)))
}
