// UDP datagrams over a pool stream. Between two TS peers each datagram is length-prefixed (2 bytes, big-endian) so
// boundaries always hold (D3); against a Go peer each write is one datagram and each read is taken as one.
import type { Duplex } from 'node:stream'
import { UDP_FRAME_HEADER } from './protocol.js'

export function writeDatagram(stream: Duplex, data: Buffer, framed: boolean): boolean {
  if (!framed) return stream.write(data)
  const out = Buffer.allocUnsafe(UDP_FRAME_HEADER + data.length)
  out.writeUInt16BE(data.length, 0)
  data.copy(out, UDP_FRAME_HEADER)
  return stream.write(out)
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
  let buf: Buffer = Buffer.alloc(0)
  stream.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    while (buf.length >= UDP_FRAME_HEADER) {
      const len = buf.readUInt16BE(0)
      if (len > maxSize) {
        onError(new Error(`datagram of ${len} bytes exceeds NP_UDP_DATA_BUF_SIZE ${maxSize}`))
        buf = Buffer.alloc(0)
        return
      }
      if (buf.length < UDP_FRAME_HEADER + len) break
      onDatagram(buf.subarray(UDP_FRAME_HEADER, UDP_FRAME_HEADER + len))
      buf = buf.subarray(UDP_FRAME_HEADER + len)
    }
  })
}
