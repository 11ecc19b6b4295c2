// TCP relay between a user-facing socket (accepted user or dialled target, counted) and a pool stream.
// Half-close is carried through: a FIN on one side becomes end() on the other once everything before it is
// written. A side that closes cleanly (both directions done) lets the other finish flushing; an error, a reset or
// the idle timeout (read=D) destroys both at once.
//
// Without rate= each direction is one 'data' listener that counts, writes and pauses on backpressure (what pipe()
// does, without pipe()'s bookkeeping and a second listener for the counters). Chunks from a stream that is not a
// plain TCP socket (TLS, WebSocket, HTTP/2) are coalesced: Node hands decrypted TLS data to JS in 16 KiB pieces,
// several per socket read, and writing each on its own cost a write syscall per 16 KiB to the plain side (four
// per 64 KiB read, seen with strace). Full pieces are gathered (the destination corked) and leave in one writev.
import { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { Counters } from './stats.js'
import { createThrottle, type RateLimiter } from '../net/rate.js'

export interface RelayOptions {
  readonly counters: Counters
  /** Idle timeout in ms (0 = none): no byte in either direction for this long closes the connection. */
  readonly readMs: number
  /** rate=: the edge's reads pay the read bucket, writes to it the write bucket. */
  readonly rate?: RateLimiter | undefined
  readonly onDone?: (err: Error | undefined) => void
}

function cleanlyClosed(s: Duplex): boolean {
  return s.readableEnded && s.writableFinished
}

/** A plain TCP socket delivers whole reads (up to its buffer size) per 'data' event: nothing to coalesce. */
function deliversWholeReads(s: Duplex): boolean {
  return s instanceof Socket && !(s instanceof TLSSocket)
}

/** The largest piece Node's TLS layer hands over (one TLS record); HTTP/2 DATA frames default to it too. */
const PIECE = 16384

/** Copies src to dst with backpressure and end-of-stream; `count` sees every chunk. */
export function pump(src: Duplex, dst: Duplex, count: (n: number) => void): void {
  const coalesce = !deliversWholeReads(src)
  let corked = false
  const flush = (): void => {
    if (!corked) return
    corked = false
    dst.uncork()
    if (dst.writableLength >= dst.writableHighWaterMark) src.pause()
  }
  src.on('data', (chunk: Buffer) => {
    count(chunk.length)
    if (!coalesce) {
      if (!dst.write(chunk)) src.pause()
      return
    }
    // Full pieces are held (corked) until a short piece ends the read, a buffer's worth has gathered, or the loop
    // turns; a short piece on its own (a request, a reply) is written at once, so small messages wait for nothing.
    if (!corked && chunk.length >= PIECE) {
      corked = true
      dst.cork()
      setImmediate(flush)
    }
    const ok = dst.write(chunk)
    if (corked) {
      if (chunk.length < PIECE || dst.writableLength >= dst.writableHighWaterMark) flush()
    } else if (!ok) {
      src.pause()
    }
  })
  dst.on('drain', () => src.resume())
  // As pipe(): a source that already ended (its FIN was read while sniffing) ends the destination now; a paused one
  // (held by the ingress until the tunnel was ready, or by the sniffer) starts flowing.
  if (src.readableEnded) process.nextTick(() => dst.end())
  else src.once('end', () => dst.end())
  if (!src.readableFlowing) src.resume()
}

export function relay(edge: Socket, pool: Duplex, opts: RelayOptions): void {
  const { counters } = opts
  let closed = 0
  let failure: Error | undefined
  const abort = (err?: Error): void => {
    failure ??= err
    edge.destroy()
    pool.destroy()
  }
  const onClose = (side: Duplex, other: Duplex) => () => {
    if (!cleanlyClosed(side)) other.destroy()
    if (++closed === 2) opts.onDone?.(failure)
  }
  edge.on('error', abort)
  pool.on('error', abort)
  edge.once('close', onClose(edge, pool))
  pool.once('close', onClose(pool, edge))
  if (opts.readMs > 0) edge.setTimeout(opts.readMs, () => abort(new Error(`idle for ${opts.readMs}ms`)))
  if (opts.rate) {
    edge.on('data', (c: Buffer) => {
      counters.tcprx += c.length
    })
    pool.on('data', (c: Buffer) => {
      counters.tcptx += c.length
    })
    edge.pipe(createThrottle(opts.rate.read)).pipe(pool)
    pool.pipe(createThrottle(opts.rate.write)).pipe(edge)
  } else {
    pump(edge, pool, (n) => {
      counters.tcprx += n
    })
    pump(pool, edge, (n) => {
      counters.tcptx += n
    })
  }
}
