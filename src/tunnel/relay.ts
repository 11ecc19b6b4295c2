// TCP relay between a user-facing socket (accepted user or dialled target, counted) and a pool stream.
// Half-close is carried through: a FIN on one side becomes end() on the other once everything before it is
// written. A side that closes cleanly (both directions done) lets the other finish flushing. An error or a reset on
// either side resets both (net/reset.ts), so a connection cut short never reaches the other end as a clean end of
// stream; the idle timeout (read=D) closes both at once with a FIN, as upstream does.
//
// Node hands decrypted TLS data to JS in 16 KiB pieces, several per socket read; writing each on its own cost a
// write syscall per 16 KiB to the plain side (65,238 writes for 1 GiB through a tls=1 pair, seen with strace;
// 16,340 writev once gathered).
//
// Where the other side is a socket, reads go into one shared buffer instead of a fresh 64 KiB allocation each
// (net/shared-read.ts explains what those allocations cost).
//
// With `ends` (pool-connection reuse, reuse.ts) the pool connection outlives the exchange: a direction toward the
// peer ends with a counted `fin` instead of end(), the peer's direction ends once its announced count has been read,
// and when both are over (the edge has taken every byte) the relay lets go of the pool stream instead of closing it.
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Counters } from './stats.js'
import { MAX_TIMER_MS } from '../duration.js'
import { createThrottle, type RateLimiter } from '../net/rate.js'
import { BIG_READ, gatherer, readIntoShared, readIntoSharedFor, writeCopy } from '../net/shared-read.js'
import { reset } from '../net/reset.js'
import type { PoolEnds } from './reuse.js'

export interface RelayOptions {
  readonly counters: Counters
  /** Idle timeout in ms (0 = none): no byte in either direction for this long closes the connection. */
  readonly readMs: number
  /** rate=: the edge's reads pay the read bucket, writes to it the write bucket. */
  readonly rate?: RateLimiter | undefined
  readonly onDone?: (err: Error | undefined) => void
  /** The pool stream is to be reused (never with `rate`): directions end by count, and the stream is let go, not closed. */
  readonly ends?: PoolEnds | undefined
}

type Listener = Parameters<Duplex['on']>[1]

function cleanlyClosed(s: Duplex): boolean {
  return s.readableEnded && s.writableFinished
}

/** The largest piece Node's TLS layer hands over (one TLS record); HTTP/2 DATA frames default to it too. */
const PIECE = 16384

/**
 * A TLSSocket is a Socket too, told apart by its `encrypted` flag (node:tls stays unloaded for tls=0, see
 * tls/lazy.ts). A plain one delivers whole reads (up to its buffer size) per 'data' event: nothing to gather. A TLS
 * one hands over 16 KiB pieces, and its TLS layer takes a write's bytes into the TLS engine at once.
 */
function isTls(s: Socket): boolean {
  return (s as Socket & { encrypted?: boolean }).encrypted === true
}

/**
 * Both directions with one small set of listeners per connection (all closures share one context): 'data' counts
 * and writes, pausing the reader while the writer is full until its 'drain'; 'end' ends the other side. This does
 * what two pipe() calls plus two counting 'data' listeners did, with about a third of the per-connection objects
 * (each pipe() adds nine closures and two once() wrappers).
 */
export function relay(edge: Socket, pool: Duplex, opts: RelayOptions): void {
  const { counters, onDone, ends } = opts
  let closed = 0
  let failure: Error | undefined
  /** Set once a reused pool stream has been let go: from then on only the edge is this relay's. */
  let released = false
  /** Ends both sides at once: reset, so that each peer sees a failure, unless `close` (the idle timeout). */
  const abort = (err: Error, close = false): void => {
    failure ??= err
    if (close) {
      edge.destroy()
      if (!released) pool.destroy()
      return
    }
    reset(edge, err)
    if (!released) reset(pool, err)
  }
  // 'close' fires once per stream. A stream that closed without finishing both directions (cut by the tunnel closing,
  // by a peer's stream reset without an error, by a TLS socket whose TCP socket was reset: that one emits 'close'
  // inside the reset call) resets the other; after abort() the other is already destroyed and keeps its FIN or reset.
  // (A reused pool stream never closes cleanly here: its release counts as its close.)
  const onClose = (): void => {
    if (edge.destroyed && !cleanlyClosed(edge) && !released) reset(pool, failure)
    if (pool.destroyed && !cleanlyClosed(pool)) reset(edge, failure)
    if (++closed === 2) onDone?.(failure)
  }
  // The pool stream's listeners, taken off again when a reused stream is let go.
  const poolListeners: [string, Listener][] = []
  const onPool = (ev: string, fn: Listener): void => {
    pool.on(ev, fn)
    poolListeners.push([ev, fn])
  }
  edge.on('error', abort)
  onPool('error', abort)
  edge.on('close', onClose)
  onPool('close', onClose)
  // Node timers hold at most 2^31-1 ms (24.8 days; longer ones fire after 1 ms with a warning): a longer `read` waits that long.
  if (opts.readMs > 0) edge.setTimeout(Math.min(opts.readMs, MAX_TIMER_MS), () => abort(new Error(`idle for ${opts.readMs}ms`), true))
  if (opts.rate) {
    edge.on('data', (c: Buffer) => {
      counters.tcprx += c.length
    })
    pool.on('data', (c: Buffer) => {
      counters.tcptx += c.length
    })
    edge.pipe(createThrottle(opts.rate.read)).pipe(pool)
    pool.pipe(createThrottle(opts.rate.write)).pipe(edge)
    return
  }
  /** Bytes written to the pool stream in this exchange (the count a reused stream's `fin` carries). */
  let sent = 0
  const toPool = (c: Buffer): void => {
    counters.tcprx += c.length
    sent += c.length
    if (!pool.write(c)) edge.pause()
  }
  edge.on('data', toPool)
  // Reads into the shared buffer (net/shared-read.ts) where the other side is a socket, whose write either takes
  // the bytes at once or completes only when the kernel has them. (A WebSocket or HTTP/2 stream is left to Node's
  // reads: when it lets go of a written buffer is its own affair.)
  const poolSocket = pool instanceof Socket ? pool : undefined
  const poolTls = poolSocket !== undefined && isTls(poolSocket)
  if (poolSocket !== undefined) {
    // A TLS write with nothing queued before it is encrypted (copied) before write() returns, so the shared view
    // can go straight in; a plain socket's write may keep part of it queued, so that gets a copy.
    readIntoShared(edge, (c) => {
      if (poolTls && pool.writableLength === 0 && pool.writableCorked === 0) return toPool(c)
      counters.tcprx += c.length
      sent += c.length
      if (!writeCopy(pool, c)) edge.pause()
    }, poolTls ? undefined : BIG_READ)
  }
  // A reused pool stream counts what it reads against the peer's fin; its shared read is handed back when the relay
  // lets go of it (readIntoSharedFor).
  let unshare: (() => void) | undefined
  const readPool = (s: Socket, onChunk: (c: Buffer) => void, size?: typeof BIG_READ): boolean => {
    if (!ends) return readIntoShared(s, onChunk, size)
    unshare = readIntoSharedFor(s, onChunk, size)
    return unshare !== undefined
  }
  let got = 0
  let peerCount = -1
  /** False (after aborting) when the peer sent more than it announced. */
  const counted = (n: number): boolean => {
    got += n
    if (peerCount < 0 || got <= peerCount) return true
    abort(new Error(`pool connection: ${got} bytes read, the peer announced ${peerCount}`))
    return false
  }
  /** Every read from the pool, however it arrives: counted, delivered, and the edge ended at the peer's count. */
  const fromPool = (deliver: (c: Buffer) => void) => (c: Buffer): void => {
    counters.tcptx += c.length
    if (!counted(c.length)) return
    deliver(c)
    if (got === peerCount) endIn()
  }
  let flushGathered: (() => void) | undefined
  if (poolSocket !== undefined && !poolTls) {
    onPool('data', fromPool((c) => {
      if (!edge.write(c)) pool.pause()
    }))
    readPool(poolSocket, fromPool((c) => {
      if (!writeCopy(edge, c)) pool.pause()
    }), BIG_READ)
  } else {
    // Pieces of one TLS (WebSocket, HTTP/2) read are gathered: full pieces are held (the edge corked) until a short
    // piece ends the read, a buffer's worth has gathered, or the loop turns; a short piece on its own (a request,
    // a reply) is written at once, so small messages wait for nothing.
    let corked = false
    const flush = (): void => {
      if (!corked) return
      corked = false
      edge.uncork()
      if (edge.writableLength >= edge.writableHighWaterMark) pool.pause()
    }
    onPool('data', fromPool((c) => {
      if (!corked && c.length >= PIECE) {
        corked = true
        edge.cork()
        setImmediate(flush)
      }
      const ok = edge.write(c)
      if (corked) {
        if (c.length < PIECE || edge.writableLength >= edge.writableHighWaterMark) flush()
      } else if (!ok) {
        pool.pause()
      }
    }))
    // A TLS socket's pieces land in the shared buffer instead and are gathered by copying, by the same rules; the
    // 'data' path above then only carries what the stream had buffered before.
    if (poolSocket !== undefined && poolTls) {
      const g = gatherer(edge, PIECE, () => pool.pause())
      if (readPool(poolSocket, fromPool(g.add))) flushGathered = g.flush
    }
  }
  onPool('drain', () => edge.resume())
  edge.on('drain', () => {
    if (!released) pool.resume()
  })
  // Without `ends`, each direction ends as it does on any stream: end() after the last byte.
  let outDone = false
  let inDone = false
  const release = (): void => {
    if (!ends || !outDone || !inDone || released || pool.destroyed) return
    released = true
    pool.pause()
    unshare?.()
    for (const [ev, fn] of poolListeners) pool.off(ev, fn)
    ends.released()
    onClose()
  }
  const endIn = (): void => {
    flushGathered?.()
    edge.end()
  }
  const edgeEnd = (): void => {
    if (!ends) return void pool.end()
    outDone = true
    ends.sent(sent)
    release()
  }
  const poolEnd = (): void => {
    // A reused stream is never ended by its peer: a FIN means the peer went away before its fin signal.
    if (ends) return abort(new Error('pool connection ended by the peer mid-exchange'))
    endIn()
  }
  if (ends) {
    // The peer's direction is over once the edge has taken its last byte (not before: a reset on the way there must
    // still reach the peer).
    edge.on('finish', () => {
      inDone = true
      release()
    })
    ends.onPeerEnd((n) => {
      peerCount = n
      if (counted(0) && got === n) endIn()
    })
  }
  // A side that already saw its EOF (e.g. during block sniffing) will not emit 'end' again.
  if (edge.readableEnded) edgeEnd()
  else edge.on('end', edgeEnd)
  if (pool.readableEnded) poolEnd()
  else onPool('end', poolEnd)
  edge.resume()
  pool.resume()
}
