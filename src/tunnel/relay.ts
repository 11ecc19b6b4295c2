// TCP relay between a user-facing socket (accepted user or dialled target, counted) and a pool stream.
// Half-close is carried through: a FIN on one side becomes end() on the other once everything before it is
// written. A side that closes cleanly (both directions done) lets the other finish flushing; an error, a reset or
// the idle timeout (read=D) destroys both at once.
import type { Socket } from 'node:net'
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
  edge.on('data', (c: Buffer) => {
    counters.tcprx += c.length
  })
  pool.on('data', (c: Buffer) => {
    counters.tcptx += c.length
  })
  edge.on('error', abort)
  pool.on('error', abort)
  edge.once('close', onClose(edge, pool))
  pool.once('close', onClose(pool, edge))
  if (opts.readMs > 0) edge.setTimeout(opts.readMs, () => abort(new Error(`idle for ${opts.readMs}ms`)))
  if (opts.rate) {
    edge.pipe(createThrottle(opts.rate.read)).pipe(pool)
    pool.pipe(createThrottle(opts.rate.write)).pipe(edge)
  } else {
    edge.pipe(pool)
    pool.pipe(edge)
  }
}
