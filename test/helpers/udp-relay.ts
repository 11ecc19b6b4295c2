// A UDP relay between one QUIC client and a server on 127.0.0.1, with a hook that decides the fate of every datagram:
// pass it, drop it, or send other bytes instead (e.g. two datagrams coalesced into one). The server sees the relay's
// address, so an allowIp of 127.0.0.1 still holds.
import { createSocket, type RemoteInfo } from 'node:dgram'
import { once } from 'node:events'

export type Direction = 'toServer' | 'toClient'
/**
 * What to do with one datagram: undefined passes it, null drops it, a list sends those datagrams instead, and
 * `{ delayMs }` sends it that much later.
 */
export type Verdict = undefined | null | Buffer[] | { readonly delayMs: number }
export type RelayHook = (dir: Direction, msg: Buffer) => Verdict

export interface UdpRelay {
  readonly port: number
  /** Datagrams seen per direction. */
  readonly seen: Record<Direction, number>
  close(): Promise<void>
}

export async function udpRelay(serverPort: number, hook: RelayHook = () => undefined): Promise<UdpRelay> {
  const front = createSocket('udp4')
  const back = createSocket('udp4')
  front.on('error', () => {})
  back.on('error', () => {})
  let client: RemoteInfo | undefined
  let closed = false
  const delayed = new Set<NodeJS.Timeout>()
  const seen = { toServer: 0, toClient: 0 }
  const forward = (dir: Direction, msg: Buffer): void => {
    seen[dir]++
    const v = hook(dir, msg)
    const send = (m: Buffer): void => {
      if (closed) return
      if (dir === 'toServer') back.send(m, serverPort, '127.0.0.1')
      else if (client) front.send(m, client.port, client.address)
    }
    if (v && !Array.isArray(v)) {
      const timer = setTimeout(() => {
        delayed.delete(timer)
        send(msg)
      }, v.delayMs)
      delayed.add(timer)
      return
    }
    for (const m of v === undefined ? [msg] : (v ?? [])) send(m)
  }
  front.on('message', (msg, rinfo) => {
    client ??= rinfo
    forward('toServer', msg)
  })
  back.on('message', (msg) => forward('toClient', msg))
  front.bind(0, '127.0.0.1')
  back.bind(0, '127.0.0.1')
  await Promise.all([once(front, 'listening'), once(back, 'listening')])
  return {
    port: front.address().port,
    seen,
    async close() {
      closed = true
      for (const timer of delayed) clearTimeout(timer)
      await Promise.all([new Promise<void>((r) => front.close(() => r())), new Promise<void>((r) => back.close(() => r()))])
    },
  }
}

/** QUIC long-header packet (Initial, 0-RTT, Handshake, Retry): the first bit of the first byte is set. */
export function isLongHeader(msg: Buffer): boolean {
  return msg.length > 0 && (msg[0]! & 0x80) !== 0
}

function varint(b: Buffer, at: number): [value: number, next: number] {
  const len = 1 << (b[at]! >> 6)
  let v = b[at]! & 0x3f
  for (let i = 1; i < len; i++) v = v * 256 + b[at + i]!
  return [v, at + len]
}

export interface Packet {
  readonly type: 'initial' | '0rtt' | 'handshake' | 'retry' | 'short'
  readonly start: number
  readonly end: number
}

/**
 * The QUIC packets in one datagram (RFC 9000 §17, version 1). A short-header packet has no length field and runs to
 * the end; quiche pads a client's Initial datagram to 1,200 bytes with zeros after its packets, which shows as a
 * trailing 'short' entry.
 */
export function packets(msg: Buffer): Packet[] {
  const names = ['initial', '0rtt', 'handshake', 'retry'] as const
  const out: Packet[] = []
  let at = 0
  while (at < msg.length) {
    const first = msg[at]!
    if ((first & 0x80) === 0) {
      out.push({ type: 'short', start: at, end: msg.length })
      break
    }
    const type = names[(first >> 4) & 3]!
    if (type === 'retry') {
      out.push({ type, start: at, end: msg.length })
      break
    }
    let p = at + 5
    p += 1 + msg[p]! // DCID
    p += 1 + msg[p]! // SCID
    if (type === 'initial') {
      const [tokenLen, next] = varint(msg, p)
      p = next + tokenLen
    }
    const [len, next] = varint(msg, p)
    out.push({ type, start: at, end: next + len })
    at = next + len
  }
  return out
}

/**
 * Makes the client's handshake-completing packet (its Finished, in a Handshake packet) travel in one datagram with the first 1-RTT (short-header) packet that follows, as quic-go sends them when its
 * application opens streams at once. Long-header datagrams held for more than `holdMs` are dropped (the client
 * retransmits them).
 */
export function coalesceFinishedWithFirstStream(holdMs = 300): RelayHook & { coalesced: () => number } {
  let held: Buffer[] = []
  let coalesced = 0
  let timer: NodeJS.Timeout | undefined
  const hook = (dir: Direction, msg: Buffer): Verdict => {
    if (dir !== 'toServer') return undefined
    if (isLongHeader(msg)) {
      const handshake = packets(msg).filter((p) => p.type === 'handshake')
      if (handshake.length === 0 || coalesced > 0) return undefined // ClientHello (again after a Retry), ACKs
      // Only the Handshake packets: an Initial must not travel in a datagram under 1,200 bytes, and the zero
      // padding after them would swallow the short packet appended below.
      for (const p of handshake) held.push(msg.subarray(p.start, p.end))
      clearTimeout(timer)
      timer = setTimeout(() => (held = []), holdMs) // the handshake goes on by retransmission
      return null
    }
    if (held.length === 0) return undefined
    clearTimeout(timer)
    const out = Buffer.concat([...held, msg])
    held = []
    coalesced++
    return [out]
  }
  return Object.assign(hook, { coalesced: () => coalesced })
}
