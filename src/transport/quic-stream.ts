// A QUIC stream (@matrixai/quic) as a Node Duplex, in one of two wire modes chosen in the tunnel handshake:
//
// - Marked (both ends NodePass-TS, feature "quic-end"): every write travels as a frame, a 4-byte big-endian length
//   then that many bytes, and the end of a direction is a frame of length 0 (the end marker) followed by the QUIC
//   FIN. The marker is stream data, so QUIC retransmits it like data. The FIN alone is not safe with quiche 0.18.0:
//   a FIN sent in a packet of its own after the last data is forgotten once that data is acknowledged, and never
//   resent if its packet was lost (cloudflare/quiche#2525), which left the tunnelled connection half-open forever.
//   The reader takes the marker as EOF, whether or not the FIN ever arrives, and once both directions have ended
//   the stream is released on both sides (destroyed, which stops reading and frees the library's stream object).
// - Plain (a Go NodePass peer): raw bytes and the FIN, as upstream. Reads that arrive in one event-loop turn are
//   delivered as one chunk: quic-go's Stream.Read returns all contiguous data received so far (up to the reader's
//   buffer), and Go NodePass takes each read of a UDP session's stream as one datagram, so a datagram that quic-go
//   spread over two packets reaches a Go reader whole; delivering each packet's piece on its own split it in two.
import { Duplex } from 'node:stream'
import type { QUICStream } from '@matrixai/quic'

/** Bytes of the length prefix in marked mode. */
export const FRAME_HEADER = 4
/** Largest frame written (bigger writes are split); a peer's larger frame is a protocol error. */
export const MAX_FRAME = 1 << 20

const END_MARKER = Buffer.alloc(FRAME_HEADER)

export class QuicDuplex extends Duplex {
  readonly #qs: QUICStream
  readonly #marked: boolean
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>
  #reading = false
  #ended = false
  // Marked mode: payload bytes still due in the current frame, or -1 while a header is being read.
  #left = -1
  #header: Buffer | undefined
  // Plain mode: pieces read in this event-loop turn, pushed together in its check phase.
  #turn: Buffer[] = []
  #turnBytes = 0
  #flushScheduled = false

  constructor(qs: QUICStream, marked: boolean) {
    super({ allowHalfOpen: true })
    this.#qs = qs
    this.#marked = marked
    this.#reader = qs.readable.getReader()
    this.#writer = qs.writable.getWriter()
    // Errors surface through the reads and writes below; these only keep them from being unhandled.
    this.#reader.closed.catch(() => {})
    this.#writer.closed.catch(() => {})
  }

  /** Whether this stream speaks the end-marker framing. */
  get marked(): boolean {
    return this.#marked
  }

  override _read(): void {
    if (this.#reading || this.#ended) return
    this.#reading = true
    this.#pump().catch((err: unknown) => this.destroy(err as Error))
  }

  async #pump(): Promise<void> {
    for (;;) {
      const { value, done } = await this.#reader.read()
      if (this.destroyed) return
      if (done) {
        // The FIN. In marked mode it normally follows the marker; without one (the peer's FIN only) it still ends.
        this.#end()
        return
      }
      const more = this.#marked ? this.#parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength)) : this.#collect(value)
      if (this.#ended) return
      if (!more) {
        this.#reading = false
        return
      }
    }
  }

  #end(): void {
    if (this.#ended) return
    this.#ended = true
    if (!this.#marked) this.#flush()
    this.push(null)
  }

  /**
   * Plain mode: gathers this turn's pieces; returns whether to keep reading, i.e. whether the readable buffer and
   * this turn's pieces together are still below the high-water mark (a paused consumer stops the reads; the next
   * _read() resumes them).
   */
  #collect(value: Uint8Array): boolean {
    this.#turn.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))
    this.#turnBytes += value.byteLength
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(this.#flushTurn)
    }
    return this.readableLength + this.#turnBytes < this.readableHighWaterMark
  }

  readonly #flushTurn = (): void => {
    this.#flushScheduled = false
    if (!this.destroyed && !this.#ended) this.#flush()
  }

  #flush(): void {
    const turn = this.#turn
    if (turn.length === 0) return
    this.#turn = []
    this.#turnBytes = 0
    this.push(turn.length === 1 ? turn[0] : Buffer.concat(turn))
  }

  /** Marked mode: pushes the payload of the frames in `chunk`; returns whether to keep reading. */
  #parse(chunk: Buffer): boolean {
    let more = true
    let at = 0
    while (at < chunk.length) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, chunk.length - at)
        more = this.push(chunk.subarray(at, at + n))
        this.#left -= n
        at += n
        if (this.#left === 0) this.#left = -1
        continue
      }
      const have = this.#header?.length ?? 0
      const take = Math.min(FRAME_HEADER - have, chunk.length - at)
      const piece = chunk.subarray(at, at + take)
      at += take
      this.#header = have === 0 ? piece : Buffer.concat([this.#header!, piece])
      if (this.#header.length < FRAME_HEADER) break
      const len = this.#header.readUInt32BE(0)
      this.#header = undefined
      if (len === 0) {
        if (at < chunk.length) {
          this.destroy(new Error(`QUIC stream: ${chunk.length - at} bytes after the end marker`))
          return false
        }
        this.#end()
        return false
      }
      if (len > MAX_FRAME) {
        this.destroy(new Error(`QUIC stream: frame of ${len} bytes exceeds ${MAX_FRAME}`))
        return false
      }
      this.#left = len
    }
    return more
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#send(this.#marked ? frame([chunk]) : chunk, cb)
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    const list = chunks.map((c) => c.chunk)
    this.#send(this.#marked ? frame(list) : Buffer.concat(list), cb)
  }

  #send(data: Buffer, cb: (err?: Error | null) => void): void {
    this.#writer.write(data).then(
      () => cb(),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    )
  }

  override _final(cb: (err?: Error | null) => void): void {
    const close = (): Promise<void> => this.#writer.close()
    ;(this.#marked ? this.#writer.write(END_MARKER).then(close) : close()).then(
      () => cb(),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    )
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#turn = []
    this.#turnBytes = 0
    // Both directions ended (marker or FIN each way) or the stream failed: release it. Reading is stopped even if
    // the peer's FIN never came, so nothing waits for a FIN that quiche may never resend.
    if (!this.#qs.closed) this.#qs.destroy({ force: true }).catch(() => {})
    cb(err)
  }
}

/** Frames `chunks` (marked mode): one buffer, each piece behind its length, pieces over MAX_FRAME split. */
export function frame(chunks: readonly Buffer[]): Buffer {
  let total = 0
  for (const c of chunks) total += c.length + FRAME_HEADER * Math.max(1, Math.ceil(c.length / MAX_FRAME))
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const c of chunks) {
    if (c.length === 0) {
      total -= FRAME_HEADER // an empty write sends nothing (a zero length would be the end marker)
      continue
    }
    for (let off = 0; off < c.length; off += MAX_FRAME) {
      const piece = c.subarray(off, Math.min(c.length, off + MAX_FRAME))
      out.writeUInt32BE(piece.length, at)
      piece.copy(out, at + FRAME_HEADER)
      at += FRAME_HEADER + piece.length
    }
  }
  return out.subarray(0, at)
}
