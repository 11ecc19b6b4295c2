// An idle deadline touched on every datagram: a touch only stores the time, and the one timer re-arms itself for
// the remainder when it fires early (a timer re-armed per datagram was measurable, docs/design-notes.md). The deadline is exact: `onIdle` runs `ms` after the last touch.
// The global `performance` (not an import of node:perf_hooks): it loads only when the first datagram needs it.

export class IdleTimer {
  #last = performance.now()
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.#arm(ms)
  }

  touch(): void {
    this.#last = performance.now()
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => {
      const left = this.#last + this.ms - performance.now()
      if (left > 1) this.#arm(left)
      else {
        this.#timer = undefined
        this.onIdle()
      }
    }, delay)
  }
}
