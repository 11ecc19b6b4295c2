// Resumable events (docs/master.md §Events): every published SSE frame gets an `id:` `<run>-<seq>` (run: random per
// master start, seq: 1, 2, …) and is kept in a bounded journal, so a client reconnecting with `Last-Event-ID` gets
// exactly the frames it missed. Bound: the newest 4,096 frames and at most 4 MiB of them, whichever is smaller.
import { randomBytes } from 'node:crypto'

export const JOURNAL_FRAMES = 4096
export const JOURNAL_BYTES = 4 * 1024 * 1024

export class EventJournal {
  /** Differs on every master start, so an ID from an earlier run is never taken for one of this run. */
  readonly run = randomBytes(4).toString('hex')
  readonly #frames: string[] = []
  #bytes = 0
  /** Sequence number of the newest frame (0 before the first). */
  #head = 0
  readonly #maxFrames: number
  readonly #maxBytes: number

  constructor(maxFrames = JOURNAL_FRAMES, maxBytes = JOURNAL_BYTES) {
    this.#maxFrames = maxFrames
    this.#maxBytes = maxBytes
  }

  /** The ID of the newest frame (what an `initial` burst carries). */
  get headId(): string {
    return `${this.run}-${this.#head}`
  }

  /** Reserves the next ID; `add` must follow with the frame that carries it. */
  next(): string {
    this.#head++
    return `${this.run}-${this.#head}`
  }

  add(frame: string): void {
    this.#frames.push(frame)
    this.#bytes += frame.length
    while (this.#frames.length > this.#maxFrames || (this.#bytes > this.#maxBytes && this.#frames.length > 1))
      this.#bytes -= this.#frames.shift()!.length
  }

  /**
   * The frames after `lastId`, oldest first; undefined when `lastId` is malformed, from another run, in the future,
   * or older than the journal reaches (the client then gets a fresh `initial` burst).
   */
  since(lastId: string): string[] | undefined {
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastId.trim())
    if (!m || m[1] !== this.run) return undefined
    const seq = Number(m[2])
    const oldest = this.#head - this.#frames.length + 1
    if (seq > this.#head || seq < oldest - 1) return undefined
    return this.#frames.slice(seq - oldest + 1)
  }
}
