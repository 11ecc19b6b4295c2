// SSE fan-out (D14): upstream's frames, a comment heartbeat, per-subscriber bounded queues driven by socket
// backpressure. A subscriber whose queue overflows is disconnected (it reconnects and gets a fresh `initial`
// burst); events are never dropped silently, and one stalled subscriber never delays another.
import type { ServerResponse } from 'node:http'
import { EventJournal } from './event-journal.js'
import type { EventType, InstanceView } from './types.js'

export interface EventBusOptions {
  /** Frames a subscriber may have waiting behind its socket before it is disconnected. */
  queueLimit?: number
  heartbeatMs?: number
  /** Journal bound for resumable events, in frames (default 4,096; bytes are capped at 4 MiB either way). */
  journalFrames?: number
}

/** One frame; `id` (resumable events) goes last, so the `event:` and `data:` lines stay as upstream writes them. */
export function formatFrame(type: EventType, instance: InstanceView | null, logs = '', id?: string): string {
  const data = JSON.stringify({ type, time: new Date().toISOString(), instance, logs })
  return id === undefined ? `event: instance\ndata: ${data}\n\n` : `event: instance\ndata: ${data}\nid: ${id}\n\n`
}

class Subscriber {
  readonly #queue: string[] = []
  #closed = false

  constructor(
    readonly res: ServerResponse,
    readonly limit: number,
    readonly onClose: (s: Subscriber) => void,
  ) {
    res.on('drain', () => this.#flush())
    res.on('close', () => this.#finish())
  }

  get closed(): boolean {
    return this.#closed
  }

  send(frame: string): void {
    if (this.#closed) return
    if (this.#queue.length > 0 || this.res.writableNeedDrain) {
      if (this.#queue.length >= this.limit) {
        this.res.destroy()
        this.#finish()
        return
      }
      this.#queue.push(frame)
      return
    }
    this.res.write(frame)
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const ok = this.res.write(this.#queue.shift()!)
      if (!ok) return
    }
  }

  /** Sends `frame` (if the socket can take it) and ends the stream. */
  end(frame?: string): void {
    if (this.#closed) return
    if (frame !== undefined && this.#queue.length === 0 && !this.res.writableNeedDrain) this.res.write(frame)
    this.res.end()
    this.#finish()
  }

  #finish(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    this.onClose(this)
  }
}

export class EventBus {
  readonly #subs = new Set<Subscriber>()
  readonly #limit: number
  readonly #timer: NodeJS.Timeout
  readonly #journal: EventJournal
  /** Reconnects with Last-Event-ID: answered from the journal, or with a fresh `initial` burst. */
  readonly resumes = { replayed: 0, initial: 0 }

  constructor(opts: EventBusOptions = {}) {
    this.#limit = opts.queueLimit ?? 1024
    this.#journal = new EventJournal(opts.journalFrames)
    this.#timer = setInterval(() => {
      for (const s of this.#subs) s.send(': heartbeat\n\n')
    }, opts.heartbeatMs ?? 15_000)
    this.#timer.unref()
  }

  get size(): number {
    return this.#subs.size
  }

  /**
   * Takes over `res` as an event stream: headers, `retry: 3000`, then the frames after `lastEventId` from the
   * journal, or (no ID, or one the journal cannot answer) the `initial` burst, every frame carrying the newest ID.
   */
  subscribe(res: ServerResponse, headers: Record<string, string>, initial: () => InstanceView[], lastEventId?: string): void {
    const missed = lastEventId ? this.#journal.since(lastEventId) : undefined
    if (lastEventId) this.resumes[missed ? 'replayed' : 'initial']++
    const burst = missed ? [] : initial()
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    })
    res.socket?.setNoDelay(true)
    const sub = new Subscriber(res, this.#limit + (missed ?? burst).length, (s) => this.#subs.delete(s))
    this.#subs.add(sub)
    sub.send('retry: 3000\n\n')
    if (missed) for (const frame of missed) sub.send(frame)
    else for (const inst of burst) sub.send(formatFrame('initial', inst, '', this.#journal.headId))
  }

  publish(type: Exclude<EventType, 'initial' | 'shutdown'>, instance: InstanceView, logs = ''): void {
    // Journaled even with no subscriber: a client that is reconnecting right now must get this frame.
    const frame = formatFrame(type, instance, logs, this.#journal.next())
    this.#journal.add(frame)
    for (const s of this.#subs) s.send(frame)
  }

  /** Sends `shutdown` to every subscriber and closes every stream. */
  shutdownAll(): void {
    const frame = formatFrame('shutdown', null, '', this.#journal.headId)
    for (const s of [...this.#subs]) s.end(frame)
  }

  close(): void {
    clearInterval(this.#timer)
    this.shutdownAll()
  }
}
