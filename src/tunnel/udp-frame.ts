// UDP datagrams over a pool stream. Between two TS peers each datagram is length-prefixed (2 bytes, big-endian) so
// boundaries always hold (D3); against a Go peer each write is one datagram and each read is taken as one.
//
// Framed datagrams that arrive in one event-loop turn are written once, in the check phase of that turn
// (docs/design-notes.md); unframed writes (Go peer) stay one write per datagram, the write boundary being the datagram.
import type { Duplex } from 'node:stream'
import { UDP_FRAME_HEADER } from '../wire.js'

/**
 * Bytes that may wait in a pool stream's write buffer before further datagrams are dropped (UDP may drop; an
 * unbounded queue behind a stalled connection would only grow memory and latency).
 */
export const MAX_QUEUED_UDP_BYTES = 4 * 1024 * 1024

/** Writes datagrams to one pool stream; framed ones are batched per event-loop turn. */
export class DatagramWriter {
  #batch: Buffer[] = []
  #bytes = 0
  #scheduled = false
  /** Datagrams dropped because the stream's write buffer was full. */
  dropped = 0

  constructor(
    private readonly stream: Duplex,
    private readonly framed: boolean,
  ) {}

  /** Queues one datagram; false when it was dropped (stream gone or its buffer full). */
  write(data: Buffer): boolean {
    const { stream } = this
    if (stream.destroyed || !stream.writable || stream.writableLength + this.#bytes + UDP_FRAME_HEADER + data.length > MAX_QUEUED_UDP_BYTES) {
      this.dropped++
      return false
    }
    if (!this.framed) {
      stream.write(data)
      return true
    }
    // Holding the caller's buffer until the flush is safe: Node hands out a fresh buffer per datagram and per
    // stream read, and never reuses one.
    this.#batch.push(data)
    this.#bytes += UDP_FRAME_HEADER + data.length
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#flush)
    }
    return true
  }

  readonly #flush = (): void => {
    this.#scheduled = false
    const batch = this.#batch
    const total = this.#bytes
    this.#batch = []
    this.#bytes = 0
    if (this.stream.destroyed || batch.length === 0) return
    this.stream.write(frameAll(batch, total))
  }
}

/** One buffer holding every datagram of `batch` with its 2-byte length prefix (`total` = the framed size). */
export function frameAll(batch: readonly Buffer[], total: number): Buffer {
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const d of batch) {
    out.writeUInt16BE(d.length, at)
    d.copy(out, at + UDP_FRAME_HEADER)
    at += UDP_FRAME_HEADER + d.length
  }
  return out
}

/** Calls `onDatagram` for every datagram read from the stream; `onError` on a framing violation. */
export function readDatagrams(
  stream: Duplex,
  framed: boolean,
  maxSize: number,
  onDatagram: (d: Buffer) => void,
  onError: (err: Error) => void,
): void {
  if (!framed) {
    stream.on('data', (chunk: Buffer) => onDatagram(chunk.length > maxSize ? chunk.subarray(0, maxSize) : chunk))
    return
  }
  // `rest` holds the start of a frame split across chunks; whole frames are taken straight from each chunk.
  let rest: Buffer | undefined
  let failed = false
  stream.on('data', (chunk: Buffer) => {
    if (failed) return
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk])
    rest = undefined
    let at = 0
    while (buf.length - at >= UDP_FRAME_HEADER) {
      const len = buf.readUInt16BE(at)
      if (len > maxSize) {
        failed = true
        onError(new Error(`datagram of ${len} bytes exceeds NP_UDP_DATA_BUF_SIZE ${maxSize}`))
        return
      }
      const end = at + UDP_FRAME_HEADER + len
      if (end > buf.length) break
      onDatagram(buf.subarray(at + UDP_FRAME_HEADER, end))
      at = end
    }
    if (at < buf.length) rest = buf.subarray(at)
  })
}
