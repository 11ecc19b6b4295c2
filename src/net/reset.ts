// Ending a stream so that its peer sees a failure, not an end of stream.
//
// A relay cut short on one side must not reach the other side as a clean EOF: a user would take a truncated download
// for a complete one. destroy() on a socket sends a FIN, which reads as a clean end; a TCP reset (RST) reads as
// ECONNRESET. A TLS socket cannot be reset through its own handle (Node allows resetAndDestroy() only on a TCP handle),
// so the TCP socket under it is recorded when the TLS layer is put on (transport/tls-stream.ts) and reset instead. A
// stream that is not a socket is destroyed with an error, which its transport carries to the peer as one: HTTP/2 sends
// RST_STREAM INTERNAL_ERROR, QUIC resets the stream, a WebSocket is dropped without a close frame (each checked end to
// end by test/integration/reset-propagation.test.ts).
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

const tcpUnder = new WeakMap<Socket, Socket>()

/** What a stream that is not a socket is destroyed with when no error of its own says why. */
const CUT = new Error('connection cut short')

/** Records the TCP socket a TLS socket runs over, so that reset() can reach the wire. */
export function recordTcpUnder(tls: Socket, tcp: Socket): void {
  tcpUnder.set(tls, tcp)
}

/** Closes `s` at once so that its peer sees an error: a TCP reset for a socket, the transport's own for a stream. */
export function reset(s: Duplex, err: Error = CUT): void {
  if (s.destroyed) return
  if (!(s instanceof Socket)) return void s.destroy(err)
  const tcp = tcpUnder.get(s) ?? s
  // resetAndDestroy() needs a connected TCP handle: a socket not yet connected, or a TLS socket whose TCP socket was
  // not recorded (its handle is the TLS layer's), gets a plain close. So does one whose FIN is already on its way:
  // libuv refuses to reset a socket that is shutting down, and Node then leaves its handle open.
  if (!tcp.destroyed && !tcp.pending && !s.writableEnded && !tcp.writableEnded) {
    try {
      tcp.resetAndDestroy()
    } catch {
      /* not a TCP handle after all: the destroy below closes it */
    }
  }
  s.destroy()
}

/**
 * Ends what a closing tunnel still carries: each socket (a user's, a target's, a TCP or TLS pool connection) is reset,
 * so that the far end of every connection sees the cut; anything else (a multiplexed stream, a UDP session) is
 * destroyed, its transport closing with the tunnel.
 */
export function cutAll(items: Iterable<{ destroy(): void }>): void {
  for (const s of [...items]) {
    if (s instanceof Socket) reset(s)
    else s.destroy()
  }
}
