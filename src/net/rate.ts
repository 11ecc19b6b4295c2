// rate=N (Mbps): one limiter per tunnel instance, shared by every user-facing TCP socket and UDP datagram.
// Separate read and write token buckets of N×125000 bytes/s, starting full and refilled continuously.
// Reads pay after reading, writes before writing (docs/parameters.md, rate). Waiters are woken by a timer, so a
// lone waiter never stalls (D2).
import { Transform, type TransformCallback } from 'node:stream'
import { monotonicMs } from '../duration.js'

/** A token bucket of `bytesPerSecond` capacity, refilled continuously. */
export interface TokenBucket {
  readonly bytesPerSecond: number
  /** Takes n tokens at once when possible (and nobody is queued). */
  tryTake(n: number): boolean
  /** Resolves once n tokens are paid. Requests larger than the capacity wait for a full bucket and go into debt. */
  take(n: number): Promise<void>
  /** Refills the bucket (tunnel restart). Queued waiters are served from the fresh tokens. */
  refill(): void
  /** Releases every waiter and stops the timer; later takes resolve at once. */
  close(): void
  /** How many requests had to wait for tokens so far (the tunnel reports `NP_ERR_RATE_LIMITED` while it grows). */
  readonly waits: number
}

interface Waiter {
  n: number
  resolve: () => void
}

export function createTokenBucket(bytesPerSecond: number, now: () => number = () => monotonicMs()): TokenBucket {
  if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
    throw new RangeError(`token bucket rate must be a positive number of bytes per second, got ${bytesPerSecond}`)
  }
  const capacity = bytesPerSecond
  let tokens = capacity
  let last = now()
  let closed = false
  let timer: NodeJS.Timeout | undefined
  const queue: Waiter[] = []

  const refillFromClock = (): void => {
    const t = now()
    tokens = Math.min(capacity, tokens + ((t - last) * bytesPerSecond) / 1000)
    last = t
  }
  // A request can never need more than a full bucket; the excess becomes debt paid by later requests.
  const need = (n: number): number => Math.min(n, capacity)

  const serve = (): void => {
    timer = undefined
    refillFromClock()
    while (queue.length > 0) {
      const head = queue[0]!
      if (tokens < need(head.n)) break
      tokens -= head.n
      queue.shift()
      head.resolve()
    }
    schedule()
  }
  const schedule = (): void => {
    if (closed || timer !== undefined || queue.length === 0) return
    const head = queue[0]!
    const waitMs = Math.max(1, Math.ceil(((need(head.n) - tokens) * 1000) / bytesPerSecond))
    timer = setTimeout(serve, waitMs)
  }

  let waits = 0
  return {
    bytesPerSecond,
    get waits() {
      return waits
    },
    tryTake(n) {
      if (closed) return true
      if (queue.length > 0) return false
      refillFromClock()
      if (tokens < need(n)) return false
      tokens -= n
      return true
    },
    take(n) {
      if (this.tryTake(n)) return Promise.resolve()
      waits++
      return new Promise<void>((resolve) => {
        queue.push({ n, resolve })
        schedule()
      })
    },
    refill() {
      tokens = capacity
      last = now()
      if (timer !== undefined) clearTimeout(timer)
      serve()
    },
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      for (const w of queue.splice(0)) w.resolve()
    },
  }
}

/** The per-instance limiter: `read` is charged for bytes received from users/targets, `write` for bytes sent to them. */
export interface RateLimiter {
  readonly mbps: number
  readonly read: TokenBucket
  readonly write: TokenBucket
  refill(): void
  close(): void
}

/** rate in Mbps (the URL value); undefined for 0 = unlimited. */
export function createRateLimiter(mbps: number): RateLimiter | undefined {
  if (mbps === 0) return undefined
  if (!Number.isInteger(mbps) || mbps < 0) throw new RangeError(`rate must be a whole number of Mbps, got ${mbps}`)
  const bytesPerSecond = mbps * 125_000
  const read = createTokenBucket(bytesPerSecond)
  const write = createTokenBucket(bytesPerSecond)
  return {
    mbps,
    read,
    write,
    refill() {
      read.refill()
      write.refill()
    },
    close() {
      read.close()
      write.close()
    },
  }
}

/**
 * A pass-through stream that pays for every chunk before passing it on. Put it between a socket and its relay
 * destination (`pipeline(user, throttle(limiter.read), poolConn)`) or in front of a socket's writes
 * (`pipeline(poolConn, throttle(limiter.write), user)`); stream backpressure pauses the source while it waits.
 */
export function createThrottle(bucket: TokenBucket | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (bucket === undefined || bucket.tryTake(chunk.length)) return done(null, chunk)
      bucket.take(chunk.length).then(
        () => done(null, chunk),
        (err: unknown) => done(err as Error),
      )
    },
  })
}
