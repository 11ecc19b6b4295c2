// The one wait for a socket being connected, shared by target dials (net/dial.ts) and pool dials
// (transport/tcp-dial.ts): settle once on ready, error, timeout or abort, leaving no listener or timer behind.
import type { Socket } from 'node:net'

export interface ConnectFailures {
  /** The rejection after `timeoutMs` without `ready`. */
  readonly timeout: () => Error
  /** The rejection when the signal aborts (the tunnel or the session is closing). */
  readonly aborted: () => Error
}

/**
 * Resolves with `socket` once it emits `ready`. Otherwise rejects with its error, `failures.timeout()` or
 * `failures.aborted()`, and destroys it (a late error on it is swallowed). On success the caller attaches its own
 * 'error' listener in the same tick.
 */
export function whenConnected(
  socket: Socket, ready: 'connect' | 'secureConnect', timeoutMs: number, signal: AbortSignal | undefined, failures: ConnectFailures,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let settled = false
    const done = (err: Error | undefined): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.off(ready, onReady)
      socket.off('error', done)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) return resolve(socket)
      socket.on('error', () => {})
      socket.destroy()
      reject(err)
    }
    const onReady = (): void => done(undefined)
    const onAbort = (): void => done(failures.aborted())
    const timer = setTimeout(() => done(failures.timeout()), timeoutMs)
    socket.once(ready, onReady)
    socket.on('error', done)
    if (signal?.aborted === true) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
}
