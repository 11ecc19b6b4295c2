// Pool-connection reuse between two NodePass-TS ends (feature 'reuse', docs/protocol.md §5). A TCP exchange over a
// type-0 TLS pool does not end its directions with a FIN, which cannot be undone, but with a `fin` signal on the
// control channel carrying the number of bytes written in that direction; the receiver ends its side once it has
// read exactly that many. Once an end has sent its own fin and delivered the peer's bytes, its relay lets go of the
// connection and it sends `free`. An end puts the connection back into its pool, under the same ID, when it has sent
// its free and received the peer's: the peer's free proves it has read this end's count, so no byte of the next
// exchange can be taken for this one's (the control channel and the pool connection are separate streams).
// Anything abnormal (a reset, an error, the idle timeout, a count overrun) closes the connection, as without reuse.
import type { ServerConfig } from '../url/types.js'
import type { Logger } from '../log.js'
import { FEATURE_REUSE, type Signal } from '../wire.js'
import type { ConnPool, PoolConn } from './pool.js'

/**
 * The server's filter of the optional features a TS client offers (handshake.ts). Reuse only for a TCP pool (type 0)
 * over TLS, where a fresh pool connection costs a handshake (~1 ms of CPU across the two ends), and without a rate
 * limit (whose throttles are piped streams). With tls=0 a fresh connection is cheaper than reuse's signals
 * (docs/design-notes.md).
 */
export function serverEnables(cfg: Pick<ServerConfig, 'type' | 'tls' | 'rate'>): (feature: string) => boolean {
  const fits = cfg.type === 'tcp' && cfg.tls.mode !== 0 && cfg.rate === 0
  return (f) => f !== FEATURE_REUSE || fits
}

/** One end of an exchange whose pool connection outlives it, as the relay sees it (relay.ts). */
export interface PoolEnds {
  /** This end's direction to the peer is over: `n` bytes were written to the pool connection by the relay. */
  sent(n: number): void
  /** `fn` gets the byte count of the peer's direction, once, as soon as it is known (at once if it already is). */
  onPeerEnd(fn: (n: number) => void): void
  /** Both directions are over on this end and the relay has let go of the connection (paused, listeners removed). */
  released(): void
}

class Lease implements PoolEnds {
  #conn: PoolConn | undefined
  /** Opened by the ingress (which picks the connections users get) rather than the egress (which claims by ID). */
  #ingress = false
  /** Bytes written to the connection for this exchange before the relay began (a replayed sniffed head). */
  #head = 0
  #peerN: number | undefined
  #onPeer: ((n: number) => void) | undefined
  #released = false
  #peerFree = false
  /** The connection closed during its exchange (a reset, an error, the idle timeout): nothing is left to give back. */
  readonly #onClose = (): void => this.#letGo()

  constructor(
    private readonly reg: Reuse,
    readonly id: string,
  ) {}

  attach(conn: PoolConn, ingress: boolean, head = 0): void {
    this.#conn = conn
    this.#ingress = ingress
    this.#head = head
    this.reg.live.add(conn.stream)
    conn.stream.on('close', this.#onClose)
  }

  sent(n: number): void {
    this.reg.send({ action: 'fin', id: this.id, n: this.#head + n })
  }

  onPeerEnd(fn: (n: number) => void): void {
    if (this.#peerN !== undefined) fn(this.#peerN)
    else this.#onPeer = fn
  }

  released(): void {
    this.#released = true
    this.reg.send({ action: 'free', id: this.id })
    if (this.#peerFree) this.#giveBack()
  }

  peerFin(n: number): void {
    if (this.#peerN !== undefined) return this.fail(`second fin for ${this.id}`)
    this.#peerN = n
    const fn = this.#onPeer
    this.#onPeer = undefined
    fn?.(n)
  }

  peerFree(): void {
    // A peer frees a connection only after its own fin: anything else is a broken peer.
    if (this.#peerN === undefined || this.#peerFree) return this.fail(`free before fin for ${this.id}`)
    this.#peerFree = true
    if (this.#released) this.#giveBack()
  }

  /** The exchange is over for the session: its lease is forgotten, and its stream no longer closes with the tunnel. */
  #letGo(): void {
    if (this.#conn) this.reg.live.delete(this.#conn.stream)
    this.reg.forget(this)
  }

  #giveBack(): void {
    const conn = this.#conn
    if (!conn) return
    conn.stream.off('close', this.#onClose)
    this.#letGo()
    // Only the ingress may close a connection both ends have freed: it is the end that hands connections to users,
    // so a connection the egress closed could already be carrying the ingress's next user. The egress sees the
    // close as that of any idle connection. After a burst, this keeps the idle pool within `max`.
    if (conn.stream.readableEnded || (this.#ingress && this.reg.pool.size >= this.reg.maxIdle)) return void conn.stream.destroy()
    this.reg.pool.giveBack(conn)
  }

  /** A protocol violation: the connection is closed (the relay, if any, ends both sides as for a reset). */
  fail(why: string): void {
    this.reg.log.warn(`Pool connection reuse: ${why}: connection closed`)
    this.reg.forget(this)
    this.#conn?.stream.destroy()
  }
}

/** The exchanges of one session whose connections are to be reused, by connection ID. */
export class Reuse {
  readonly #open = new Map<string, Lease>()

  constructor(
    readonly pool: ConnPool,
    readonly send: (s: Signal) => void,
    /** The session's live set: a connection between its exchange and its return to the pool is closed with the tunnel. */
    readonly live: Set<{ destroy(): void }>,
    readonly log: Logger,
    /** The ingress closes a freed connection instead of keeping it while its idle pool holds this many (`max`). */
    readonly maxIdle: number,
  ) {}

  /** Ingress: an exchange begins on `conn`, just taken from the pool; `head` bytes were already written to it. */
  begin(conn: PoolConn, head: number): PoolEnds {
    const lease = this.#lease(conn.id)
    lease.attach(conn, true, head)
    return lease
  }

  /** Egress: the peer named `id` in a tcp signal; its fin may come before the connection is claimed. */
  expect(id: string): { attach(conn: PoolConn): PoolEnds; drop(): void } {
    const lease = this.#lease(id)
    return {
      attach: (conn) => {
        lease.attach(conn, false)
        return lease
      },
      drop: () => this.forget(lease),
    }
  }

  #lease(id: string): Lease {
    // The peer starts a new exchange on a connection only after both frees: one still open here is a broken peer.
    this.#open.get(id)?.fail(`connection ${id} reused while its exchange was open`)
    const lease = new Lease(this, id)
    this.#open.set(id, lease)
    return lease
  }

  forget(lease: Lease): void {
    if (this.#open.get(lease.id) === lease) this.#open.delete(lease.id)
  }

  /** A `fin` or `free` signal from the peer. */
  onSignal(s: Signal): void {
    const lease = s.id === undefined ? undefined : this.#open.get(s.id)
    if (!lease) return this.log.debug(`Control signal ${s.action} for ${s.id ?? '?'}: no such exchange`)
    if (s.action === 'free') return lease.peerFree()
    if (s.n === undefined) return lease.fail(`fin without a count for ${lease.id}`)
    lease.peerFin(s.n)
  }
}
