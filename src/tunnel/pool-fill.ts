// The client's pool filler: keeps `capacity` idle connections, refilling soon after one is taken (so bursts never
// wait for the next tick), and adapts capacity between min and max and the tick between
// NP_MIN/MAX_POOL_INTERVAL: a pool that stands (nearly) empty while being taken from grows capacity (to twice the
// demand of the last tick, at least doubling; demand is takes minus the reused connections that came back); a pool
// that stands (nearly) full and quiet shrinks it back and closes the surplus.
import { describeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { ConnPool, PoolConn } from './pool.js'
import { dialAbortController } from '../net/abort.js'

export interface FillOptions {
  readonly min: number
  readonly max: number
  readonly minIntervalMs: number
  readonly maxIntervalMs: number
  readonly log: Logger
}

/** Dials in flight at once, at most. */
const MAX_INFLIGHT = 256

/**
 * How long a refill waits after a take while the pool still holds at least half its capacity. A take happens on the
 * way to a user's target: a refill dialled right then (a TCP connect, and with TLS a handshake whose steps land on
 * both ends' event loops) ran in front of that user's target dial, first byte and echo. Later, it runs after them;
 * below half capacity (a burst) the refill starts at once, as before. While `busy()` says users are still being set
 * up (signals claimed, targets being dialled), the refill waits again, up to REFILL_MAX_WAITS times.
 */
export const REFILL_DELAY_MS = 2
const REFILL_MAX_WAITS = 5

export class PoolFiller {
  capacity: number
  intervalMs: number
  #inflight = 0
  #drained = 0
  /** Connections that came back after their exchange this tick (reuse): demand is takes minus returns. */
  #returned = 0
  #failing = false
  /** The most recent dial failure (reported when the control connection never arrives). */
  lastError: unknown
  #timer: NodeJS.Timeout | undefined
  #refill: NodeJS.Timeout | undefined
  #waits = 0
  #stopped = false
  /** Aborted by stop(): dials still connecting, handshaking or reading their ID are destroyed. */
  readonly #abort = dialAbortController()
  /** True while this end is setting up user connections (set by the session): a deferred refill waits for it. */
  busy: (() => boolean) | undefined
  readonly #min: number
  readonly #max: number

  constructor(
    private readonly pool: ConnPool,
    private readonly dial: (signal: AbortSignal) => Promise<PoolConn>,
    private readonly o: FillOptions,
  ) {
    this.#min = Math.max(1, Math.min(o.min, o.max))
    this.#max = Math.max(1, o.min, o.max)
    this.capacity = this.#min
    this.intervalMs = o.minIntervalMs
    pool.onDrain = () => {
      this.#drained++
      if (this.#failing) return
      if (2 * (this.pool.size + this.#inflight) < this.capacity) this.#fill()
      else this.#refill ??= setTimeout(this.#deferredFill, REFILL_DELAY_MS)
    }
    pool.onReturn = () => {
      this.#returned++
    }
  }

  readonly #deferredFill = (): void => {
    if (this.busy?.() === true && this.#waits < REFILL_MAX_WAITS && !this.#stopped) {
      this.#waits++
      this.#refill = setTimeout(this.#deferredFill, REFILL_DELAY_MS)
      return
    }
    this.#refill = undefined
    this.#waits = 0
    this.#fill()
  }

  start(): void {
    this.#fill()
    this.#schedule()
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#adapt()
      this.#fill()
      this.#schedule()
    }, this.intervalMs)
  }

  #adapt(): void {
    const idle = this.pool.size
    const { minIntervalMs, maxIntervalMs } = this.o
    if (idle < 0.2 * this.capacity) this.intervalMs = Math.max(minIntervalMs, this.intervalMs - 100)
    else if (idle > 0.8 * this.capacity) this.intervalMs = Math.min(maxIntervalMs, this.intervalMs + 100)
    // A reused connection comes back after its exchange: 2,000 sequential users are 2,000 takes and 2,000 returns,
    // a demand of one connection, not of 2,000 (which grew the pool to `max`, a TLS handshake each). Quiet is still
    // judged by the takes themselves: shrinking trims this end's newest idle connections, and under reused traffic
    // those are the ones just given back, which the peer may be handing to a user.
    const taken = this.#drained
    const drained = Math.max(0, taken - this.#returned)
    this.#drained = 0
    this.#returned = 0
    // Demand is seen two ways: many takes in one tick (fast dials refill at once, so the pool never stands empty),
    // or a pool standing (nearly) empty while it is taken from (as upstream's created/capacity): with slow dials
    // (TLS on a busy CPU) a tick sees only a handful of takes, and judging by takes alone kept capacity, and so the
    // dials in flight, at `min` through a 10,000-connection burst.
    const empty = (this.capacity - idle) / this.capacity
    const busy = drained > 0.8 * this.capacity || (empty > 0.8 && drained > 0)
    if (busy && this.capacity < this.#max) {
      // Sized by the demand just seen, not one doubling per tick: a burst gets its buffer at the next tick.
      this.capacity = Math.min(this.#max, Math.max(this.capacity * 2, drained * 2))
    } else if (empty < 0.2 && taken < 0.2 * this.capacity && this.capacity > this.#min) {
      // Mostly idle: shrink and close the surplus.
      this.capacity = Math.max(this.#min, this.capacity - Math.max(1, Math.floor(this.capacity / 8)))
      this.pool.trim(this.capacity)
    }
  }

  #fill(): void {
    if (this.#stopped) return
    const want = Math.min(this.capacity - this.pool.size - this.#inflight, MAX_INFLIGHT - this.#inflight)
    for (let i = 0; i < want; i++) {
      this.#inflight++
      this.dial(this.#abort.signal).then(
        (conn) => {
          this.#inflight--
          this.#failing = false
          if (this.#stopped) conn.stream.destroy()
          else this.pool.add(conn)
        },
        (err: unknown) => {
          this.#inflight--
          if (this.#stopped) return
          this.lastError = err
          if (!this.#failing) this.o.log.debug(`Pool dial failed: ${describeError(err)}`)
          this.#failing = true
        },
      )
    }
  }

  stop(): void {
    this.#stopped = true
    this.#abort.abort()
    clearTimeout(this.#timer)
    clearTimeout(this.#refill)
    this.pool.onDrain = undefined
    this.pool.onReturn = undefined
  }
}
