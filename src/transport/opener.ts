// Reading the 1-byte stream opener of the multiplexed pool types (h2, QUIC; the byte is OPENER in src/wire.ts):
// the client writes it first on a new stream so the server sees the stream (a QUIC peer learns of a stream only
// with its first byte); the server reads it before the ID.
import type { Duplex } from 'node:stream'

/** Reads the 1-byte opener; anything after it stays buffered in the stream. */
export function readOpener(stream: Duplex, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer)
      stream.off('readable', onReadable)
      stream.off('end', onEnd)
      stream.off('error', done)
      if (err) reject(err)
      else resolve()
    }
    const onReadable = (): void => {
      const b = stream.read(1) as Buffer | null
      if (!b) return
      if (b[0] === 0) done()
      else done(new Error(`bad stream opener 0x${b[0]!.toString(16).padStart(2, '0')}`))
    }
    const onEnd = (): void => done(new Error('stream closed before the opener'))
    const timer = setTimeout(() => done(new Error('no stream opener in time')), timeoutMs)
    stream.on('readable', onReadable)
    stream.once('end', onEnd)
    stream.once('error', done)
  })
}
