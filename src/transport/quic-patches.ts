// Runtime corrections for @matrixai/quic 2.0.9 (quiche 0.18.0), applied when the QUIC transport loads. They change
// only how often the library's JavaScript does work per packet, never what goes on the wire. Measured on 200
// concurrent 64 KiB echoes over one connection on 127.0.0.1 (docs/transports.md, "QUIC internals"):
//
// 1. A blocked stream write spins. QUICStream.writableWrite retries quiche's streamSend each time the connection
//    lists the stream as writable (every received packet while any capacity is free) and, even when nothing was
//    accepted, dispatches a "send" event that runs a full QUICConnection.send() (a 64 KiB buffer allocation, a
//    native call and a timer reset). With ~200 blocked writers that is ~200 send() calls per received datagram:
//    the receiver drained ~200 datagrams/s, several MB queued unread in the UDP socket and the transfer crawled
//    or never finished in 60 s. The override dispatches the event only when bytes were accepted.
// 2. Every stream event runs its own send(); coalesced to one send() per event-loop turn per connection.
// 3. recv() is serialised by an @matrixai/async-locks Lock whose withF builds a cancellable timed context (an
//    AbortController and an Error with a stack trace) per datagram; replaced by a promise-chain mutex with the
//    same one-at-a-time guarantee.
// 4. Streams that arrive in the datagram that completes a server connection's handshake are reset. recv() marks
//    the connection established and runs processStreams() at once, but start() (and with it the "running" state)
//    completes only a few microtasks later, so processStreams() takes the new streams for streams of a stopping
//    connection and shuts both directions down; and even if it kept them, EventQUICServerConnection (where the
//    application attaches its stream listener) is dispatched after start(). quic-go coalesces a client's first
//    STREAM frames with its handshake Finished when the application opens streams at once (Go NodePass opens its
//    whole pool), so a Go client intermittently lost streams, then its whole connection. A
//    server connection now holds stream processing until the application calls releaseStreams() from its
//    connection handler; quiche keeps the held streams' data meanwhile.
import { createRequire } from 'node:module'
import { QUICConnection as QUICConnectionClass, QUICStream, events, type QUICConnection } from '@matrixai/quic'

/** The library version these corrections were written against; other versions run unpatched. */
export const PATCHED_QUIC_VERSION = '2.0.9'

/** The installed @matrixai/quic version (from its package.json). */
export function quicVersion(): string {
  const pkg = createRequire(import.meta.url)('@matrixai/quic/package.json') as { version?: unknown }
  return typeof pkg.version === 'string' ? pkg.version : 'unknown'
}

interface StreamInternals {
  readonly streamId: number
  readonly connection: { readonly conn: { streamSend(id: number, data: Uint8Array, fin: boolean): number | null } }
  resolveWritableP?: () => void
  rejectWritableP?: (reason?: unknown) => void
  dispatchEvent(evt: Event): boolean
  writableWrite: (this: StreamInternals, chunk: Uint8Array) => Promise<void>
}

interface ConnectionInternals {
  handleEventQUICStreamSend: () => void
  recvLock: { withF<T>(f: () => Promise<T>): Promise<T>; isLocked(): boolean }
  send(): Promise<void>
  readonly closed: boolean
}

let applied: boolean | undefined

interface HoldingConnection {
  readonly type: 'client' | 'server'
  npHeld?: boolean
  processStreams: (this: HoldingConnection) => void
  start: (this: HoldingConnection, ...args: unknown[]) => Promise<void>
}

/**
 * What the corrections found in this process. Each replaces a library internal only where it exists, so a library
 * (or Node) that changes them runs unpatched rather than broken; test/platform/node-internals.test.ts asserts that
 * they were all found, so such a change turns CI red instead of passing unnoticed.
 */
export const quicPatchReport = { streamPatched: false, streamHolding: false, connectionsTuned: 0, connectionsWithoutInternals: 0 }

/** Installs correction 1 on QUICStream.prototype once; returns whether it applies to the installed version. */
export function patchQuicStream(): boolean {
  if (applied !== undefined) return applied
  const proto = QUICStream.prototype as unknown as StreamInternals
  const original = proto.writableWrite
  applied = quicVersion() === PATCHED_QUIC_VERSION && typeof original === 'function'
  if (!applied) return false
  quicPatchReport.streamPatched = true
  patchStreamHolding()
  // Same contract as the original (resolve once the whole chunk is in quiche's stream buffer, wait for the
  // connection to wake the stream when it is short), minus the send() for a write that quiche did not take.
  proto.writableWrite = async function writableWrite(this: StreamInternals, chunk: Uint8Array): Promise<void> {
    while (chunk.byteLength > 0) {
      let sent: number
      try {
        sent = this.connection.conn.streamSend(this.streamId, chunk, false) ?? 0
      } catch {
        // STOP_SENDING or an internal error: the original maps it to the stream's error state and events.
        return original.call(this, chunk)
      }
      if (sent > 0) this.dispatchEvent(new events.EventQUICStreamSend())
      if (sent >= chunk.byteLength) return
      chunk = chunk.subarray(sent)
      await new Promise<void>((resolve, reject) => {
        this.resolveWritableP = resolve
        this.rejectWritableP = reject
      })
    }
  }
  return true
}

/** Correction 4: a server connection processes no stream from its start() until releaseStreams(). */
function patchStreamHolding(): void {
  const proto = QUICConnectionClass.prototype as unknown as HoldingConnection
  const { start, processStreams } = proto
  if (typeof start !== 'function' || typeof processStreams !== 'function') return
  quicPatchReport.streamHolding = true
  proto.start = function holdingStart(this: HoldingConnection, ...args: unknown[]): Promise<void> {
    if (this.type === 'server') this.npHeld = true
    return start.apply(this, args)
  }
  proto.processStreams = function heldProcessStreams(this: HoldingConnection): void {
    if (this.npHeld) return
    processStreams.call(this)
  }
}

/**
 * Lets a started server connection process its streams (correction 4), including any that arrived while it was
 * held: call it once the connection's stream listener is attached.
 */
export function releaseStreams(connection: QUICConnection): void {
  const c = connection as unknown as HoldingConnection
  if (!c.npHeld) return
  c.npHeld = false
  if (!connection.closed) c.processStreams()
}

/** Corrections 2 and 3 for one connection (client after connect, server when accepted). */
export function tuneConnection(connection: QUICConnection): void {
  if (!patchQuicStream()) return
  const c = connection as unknown as ConnectionInternals
  if (typeof c.handleEventQUICStreamSend !== 'function' || typeof c.send !== 'function' ||
    typeof c.recvLock?.withF !== 'function' || typeof c.recvLock.isLocked !== 'function') {
    quicPatchReport.connectionsWithoutInternals++
    return
  }
  quicPatchReport.connectionsTuned++
  let pending = false
  c.handleEventQUICStreamSend = () => {
    if (pending) return
    pending = true
    setImmediate(() => {
      pending = false
      if (!c.closed) c.send().catch(() => {})
    })
  }
  const swapLock = (): void => {
    // Swap only while nobody holds or waits for the old lock, so two recv() calls can never overlap.
    if (c.closed) return
    if (c.recvLock.isLocked()) return void setImmediate(swapLock)
    let tail: Promise<unknown> = Promise.resolve()
    c.recvLock = {
      withF<T>(f: () => Promise<T>): Promise<T> {
        const run = tail.then(f)
        tail = run.catch(() => {})
        return run
      },
      isLocked: () => false,
    }
  }
  swapLock()
}
