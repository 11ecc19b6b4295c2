// read=D: a relayed connection with no traffic in either direction for D is closed; traffic in either direction
// keeps it open (an active connection is never cut). 0 = off.
import type { Socket } from 'node:net'

export interface IdleTimer {
  /** Records activity (call on every chunk relayed in either direction). */
  touch(): void
  stop(): void
}

/**
 * Calls `onIdle` once after `ms` without a touch(). One timer per connection, re-armed lazily: a touch only
 * records the time, so it costs nothing on the hot path.
 */
export function createIdleTimer(ms: number, onIdle: () => void, now: () => number = () => performance.now()): IdleTimer {
  let last = now()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const arm = (delay: number): void => {
    timer = setTimeout(check, Math.max(1, Math.ceil(delay)))
    timer.unref()
  }
  const check = (): void => {
    if (stopped) return
    const idle = now() - last
    if (idle >= ms) {
      stopped = true
      onIdle()
    } else {
      arm(ms - idle)
    }
  }
  if (ms > 0) arm(ms)
  else stopped = true
  return {
    touch() {
      last = now()
    },
    stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}

/**
 * The idle rule for a pair of relayed sockets where one side is a plain net.Socket: its own inactivity timeout
 * sees reads and writes, i.e. both directions of the relay. Destroys both when idle; returns a stop function.
 */
export function closeWhenIdle(a: Socket, b: { destroy(err?: Error): void }, ms: number, onIdle?: () => void): () => void {
  if (ms <= 0) return () => {}
  const fire = (): void => {
    onIdle?.()
    a.destroy()
    b.destroy()
  }
  a.setTimeout(ms, fire)
  return () => {
    a.setTimeout(0)
    a.off('timeout', fire)
  }
}
