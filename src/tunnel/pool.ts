// Idle pool connections keyed by their 8-hex ID. Both ends hold the same connections under the same IDs: the
// ingress takes the oldest idle one (`acquire`), the egress takes the one the peer named (`claim`).
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import { NodePassError, ERR } from '../errors.js'
import { CONTROL_ID } from '../wire.js'
import { monotonicMs } from '../duration.js'
import { ignore } from '../ignore.js'

export interface PoolConn {
  readonly id: string
  readonly stream: Duplex
  /** The TCP socket underneath, when there is one of our own (types 0 and 2). */
  readonly socket: Socket | undefined
  /** Certificate fingerprint seen on this connection: the server's own, or the peer's on the client. */
  readonly fp: string | undefined
}

interface Idle {
  conn: PoolConn
  detach: () => void
}

/** A connection the peer ended while it was idle, kept for a late claim. */
interface Ended {
  readonly conn: PoolConn
  readonly drop: () => void
  readonly timer: NodeJS.Timeout
}

/** How long a connection the peer ended while idle stays claimable (a signal is a round trip behind its FIN). */
const ENDED_KEEP_MS = 10_000
const MAX_ENDED = 256

type Waiter = { resolve: (c: PoolConn) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
/** A waiter for any connection: it fails once the pool has gained nothing for `timeoutMs` since it began waiting. */
type AnyWaiter = { resolve: (c: PoolConn) => void; reject: (e: Error) => void; since: number; timeoutMs: number }

export class ConnPool {
  readonly #idle = new Map<string, Idle>()
  readonly #byId = new Map<string, Waiter>()
  readonly #any: AnyWaiter[] = []
  /** When the pool last gained a connection (monotonicMs()). */
  #progressAt = 0
  /** One timer for all `acquire` waiters, armed at the earliest possible deadline. */
  #sweep: NodeJS.Timeout | undefined
  /** Fingerprints of idle connections that closed recently: a peer may name one in `verify` (Go closes its own). */
  readonly #gone = new Map<string, string | undefined>()
  readonly #ended = new Map<string, Ended>()
  #closed = false
  errors = 0
  /** Called whenever an idle connection leaves the pool (taken or closed), e.g. to refill. */
  onDrain: (() => void) | undefined
  /** Called whenever a connection comes back after an exchange (reuse.ts): a take that cost the pool nothing. */
  onReturn: (() => void) | undefined

  get size(): number {
    return this.#idle.size - (this.#idle.has(CONTROL_ID) ? 1 : 0)
  }

  get closed(): boolean {
    return this.#closed
  }

  has(id: string): boolean {
    return this.#idle.has(id)
  }

  /** Adds a connection that finished its ID exchange. */
  add(conn: PoolConn): void {
    // A stream may fail at any moment before its next owner attaches its own handler (e.g. while the egress
    // dials its target): never let that be an uncaught 'error'.
    // (A reused connection comes back with it already.)
    if (!conn.stream.listeners('error').includes(ignore)) conn.stream.on('error', ignore)
    if (this.#closed) {
      conn.stream.destroy()
      return
    }
    this.#progressAt = monotonicMs()
    const waiter = this.#byId.get(conn.id)
    if (waiter) {
      this.#byId.delete(conn.id)
      clearTimeout(waiter.timer)
      waiter.resolve(conn)
      this.onDrain?.()
      return
    }
    const anyWaiter = conn.id !== CONTROL_ID ? this.#any.shift() : undefined
    if (anyWaiter) {
      anyWaiter.resolve(conn)
      this.onDrain?.()
      return
    }
    // Idle connections stay paused: bytes (and even a FIN) the peer sends before its signal reaches us stay
    // buffered in the stream for whoever claims it. An EOF with nothing buffered takes the connection out of the
    // idle set (nobody may be given it), but it stays claimable for a while (#ended): the peer may have used it for
    // a user who closed without sending anything (a port probe, a health check), and its signal is on the way.
    const entry: Idle = { conn, detach: () => {} }
    const { stream } = conn
    const onReadable = (): void => {
      if (stream.readableLength === 0) stream.read()
    }
    const onEnd = (): void => {
      if (this.#idle.get(conn.id) !== entry) return
      entry.detach()
      this.#idle.delete(conn.id)
      this.#remember(conn)
      this.#keepEnded(conn)
      this.onDrain?.()
    }
    const onGone = (): void => {
      if (this.#idle.get(conn.id) === entry) {
        entry.detach()
        this.#idle.delete(conn.id)
        this.#remember(conn)
        stream.destroy()
        this.onDrain?.()
      }
    }
    stream.on('readable', onReadable)
    stream.on('end', onEnd)
    stream.on('close', onGone)
    stream.on('error', onGone)
    entry.detach = () => {
      stream.off('readable', onReadable)
      stream.off('end', onEnd)
      stream.off('close', onGone)
      stream.off('error', onGone)
    }
    this.#idle.delete(conn.id) // a reused ID replaces the old entry
    this.#gone.delete(conn.id)
    this.#idle.set(conn.id, entry)
  }

  /** Keeps a connection the peer ended while it was idle, claimable for ENDED_KEEP_MS (at most MAX_ENDED of them). */
  #keepEnded(conn: PoolConn): void {
    this.#ended.get(conn.id)?.drop()
    const entry: Ended = {
      conn,
      drop: () => {
        if (this.#ended.get(conn.id) !== entry) return
        this.#takeEnded(conn.id)
        conn.stream.destroy()
      },
      timer: setTimeout(() => entry.drop(), ENDED_KEEP_MS),
    }
    entry.timer.unref()
    conn.stream.on('close', entry.drop)
    this.#ended.set(conn.id, entry)
    if (this.#ended.size > MAX_ENDED) this.#ended.values().next().value!.drop()
  }

  /** Takes a connection out of #ended (for a claim: the stream stays as it is). */
  #takeEnded(id: string): PoolConn | undefined {
    const e = this.#ended.get(id)
    if (!e) return undefined
    this.#ended.delete(id)
    clearTimeout(e.timer)
    e.conn.stream.off('close', e.drop)
    return e.conn
  }

  #remember(conn: PoolConn): void {
    this.#gone.set(conn.id, conn.fp)
    if (this.#gone.size > 256) this.#gone.delete(this.#gone.keys().next().value!)
  }

  /** Puts back a connection whose exchange is over (reuse.ts), under its ID, as if it were new. */
  giveBack(conn: PoolConn): void {
    this.add(conn)
    this.onReturn?.()
  }

  /** The fingerprint recorded on connection `id`, whether it is idle (it is then taken and closed) or closed already. */
  async fingerprintOf(id: string, timeoutMs: number): Promise<string | undefined> {
    if (this.#gone.has(id)) {
      this.#ended.get(id)?.drop()
      return this.#gone.get(id)
    }
    const conn = await this.claim(id, timeoutMs)
    conn.stream.destroy()
    return conn.fp
  }

  #take(entry: Idle): PoolConn {
    entry.detach()
    this.#idle.delete(entry.conn.id)
    this.onDrain?.()
    return entry.conn
  }

  #wait(register: (w: Waiter) => void, timeoutMs: number, what: string): Promise<PoolConn> {
    if (this.#closed) return Promise.reject(new NodePassError(ERR.CLOSED, 'pool closed'))
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#drop(w)
          reject(new NodePassError(ERR.POOL_TIMEOUT, `${what}: request timeout`))
        }, timeoutMs),
      }
      register(w)
    })
  }

  #drop(w: Waiter): void {
    for (const [id, x] of this.#byId) if (x === w) this.#byId.delete(id)
  }

  /**
   * The oldest idle connection (never the control one). When none is idle, waits in line (first come, first served)
   * and fails only after timeoutMs without progress: every connection the pool gains restarts the wait, so a burst
   * larger than the pool is served as fast as the pool grows instead of failing after a fixed time.
   */
  acquire(timeoutMs: number): Promise<PoolConn> {
    for (const entry of this.#idle.values()) {
      if (entry.conn.id !== CONTROL_ID) return Promise.resolve(this.#take(entry))
    }
    if (this.#closed) return Promise.reject(new NodePassError(ERR.CLOSED, 'pool closed'))
    return new Promise((resolve, reject) => {
      this.#any.push({ resolve, reject, since: monotonicMs(), timeoutMs })
      this.#armSweep()
    })
  }

  #deadline(w: AnyWaiter): number {
    return Math.max(w.since, this.#progressAt) + w.timeoutMs
  }

  #armSweep(): void {
    if (this.#sweep || this.#any.length === 0) return
    // Deadlines only move later (progress), so a timer armed at the earliest one never fires late.
    let first = Infinity
    for (const w of this.#any) first = Math.min(first, this.#deadline(w))
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined
      const now = monotonicMs()
      const late = this.#any.filter((w) => this.#deadline(w) <= now)
      if (late.length > 0) {
        const keep = this.#any.filter((w) => this.#deadline(w) > now)
        this.#any.length = 0
        for (const w of keep) this.#any.push(w)
        for (const w of late) w.reject(new NodePassError(ERR.POOL_EXHAUSTED, 'acquire: request timeout'))
      }
      this.#armSweep()
    }, Math.max(1, first - monotonicMs()))
  }

  /** The connection with this ID, waiting up to timeoutMs for it (the peer may have announced it early). */
  claim(id: string, timeoutMs: number): Promise<PoolConn> {
    const entry = this.#idle.get(id)
    if (entry) return Promise.resolve(this.#take(entry))
    const ended = this.#takeEnded(id)
    if (ended) return Promise.resolve(ended)
    // Closed (not just ended) before the signal came: waiting would only end in a timeout.
    if (this.#gone.has(id)) return Promise.reject(new NodePassError(ERR.CLOSED, `claim ${id}: closed by the peer before it was claimed`))
    if (this.#byId.has(id)) return Promise.reject(new NodePassError(ERR.POOL_TIMEOUT, `claim ${id}: already awaited`))
    return this.#wait((w) => this.#byId.set(id, w), timeoutMs, `claim ${id}`)
  }

  /** Takes the newest idle connection, if any (used for the verify step, D2). */
  takeNewest(): PoolConn | undefined {
    let last: Idle | undefined
    for (const entry of this.#idle.values()) if (entry.conn.id !== CONTROL_ID) last = entry
    return last ? this.#take(last) : undefined
  }

  /**
   * Closes the newest idle connections until at most `keep` remain. Newest first: in reverse mode the server hands
   * out its oldest idle connection, so closing the oldest here raced it (the user's exchange got a reset).
   */
  trim(keep: number): number {
    let n = 0
    for (const entry of [...this.#idle.values()].reverse()) {
      if (this.size <= keep) break
      if (entry.conn.id === CONTROL_ID) continue
      entry.detach()
      this.#idle.delete(entry.conn.id)
      entry.conn.stream.destroy()
      n++
    }
    return n
  }

  /** Closes every idle connection. */
  flush(): number {
    const n = this.size
    this.trim(0)
    this.errors = 0
    return n
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const entry of this.#idle.values()) {
      entry.detach()
      entry.conn.stream.destroy()
    }
    this.#idle.clear()
    for (const e of [...this.#ended.values()]) e.drop()
    const err = new NodePassError(ERR.CLOSED, 'pool closed')
    clearTimeout(this.#sweep)
    this.#sweep = undefined
    for (const w of this.#any.splice(0)) w.reject(err)
    for (const w of this.#byId.values()) {
      clearTimeout(w.timer)
      w.reject(err)
    }
    this.#any.length = 0
    this.#byId.clear()
  }
}
