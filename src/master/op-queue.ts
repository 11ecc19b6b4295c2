// Start/stop operations of one instance run one after another; a failed one is reported and the queue goes on.
export class OpQueue {
  #tail: Promise<void> = Promise.resolve()
  readonly #onError: (err: unknown) => void

  constructor(onError: (err: unknown) => void) {
    this.#onError = onError
  }

  /** Runs `fn` after every operation queued before it; settles (never rejects) when `fn` has. */
  run(fn: () => Promise<void>): Promise<void> {
    const next = this.#tail.then(fn).catch(this.#onError)
    this.#tail = next
    return next
  }
}
