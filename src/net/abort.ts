// The AbortControllers that end a tunnel's dials: every dial in flight (a pool connection's connect, TLS handshake,
// upgrade and ID read; a target dial) adds one 'abort' listener to the signal and removes it when it settles.
import { setMaxListeners } from 'node:events'

/**
 * An AbortController whose signal any number of dials in flight may watch. Node warns (MaxListenersExceededWarning,
 * on stderr) past 10 listeners on one signal, which a pool filling 64 connections at once or a burst of target
 * dials reaches normally; the listeners are removed as each dial settles, so the count is not a leak.
 */
export function dialAbortController(): AbortController {
  const abort = new AbortController()
  setMaxListeners(0, abort.signal)
  return abort
}
