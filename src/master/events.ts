// SSE fan-out (D14): upstream's frames, a comment heartbeat, per-subscriber queues bounded in bytes and driven by
// socket backpressure. A subscriber whose queue overflows is disconnected (it reconnects and gets a fresh `initial`
// burst); events are never dropped silently, and one stalled subscriber never delays another.
import type { ServerResponse } from 'node:http'
import { EventJournal } from './event-journal.js'
import { MAX_FRAME_BYTES, fitLogs } from './frame-limits.js'
import type { EventType, InstanceView } from './types.js'

/** Bytes a subscriber may have waiting behind its socket (beyond its `initial` burst) before it is disconnected. */
export const DEFAULT_SSE_QUEUE_BYTES = 2 * 1024 * 1024

export interface EventBusOptions {
  /** Bytes a subscriber may have queued behind its socket, beyond its `initial` burst, before it is disconnected. */
  queueBytes?: number
  heartbeatMs?: number
  /** Journal bound for resumable events, in frames (default 4,096; bytes are capped at 4 MiB either way). */
  journalFrames?: number
}

/**
 * One frame, never over MAX_FRAME_BYTES as long as the view fits its own limit: a long `logs` line is cut. `id`
 * (resumable events) goes last, so the `event:` and `data:` lines stay as upstream writes them.
 */
export function formatFrame(type: EventType, instance: InstanceView | null, logs = '', id?: string): string {
  const head = { type, time: new Date().toISOString(), instance }
  const tail = id === undefined ? '\n' : `\nid: ${id}\n`
  const frame = `event: instance\ndata: ${JSON.stringify({ ...head, logs })}${tail}\n`
  if (logs === '' || Buffer.byteLength(frame, 'utf8') <= MAX_FRAME_BYTES) return frame
  const empty = `event: instance\ndata: ${JSON.stringify({ ...head, logs: '' })}${tail}\n`
  const fitted = fitLogs(logs, MAX_FRAME_BYTES - Buffer.byteLength(empty, 'utf8') + 2)
  return `event: instance\ndata: ${JSON.stringify({ ...head, logs: fitted })}${tail}\n`
}

class Subscriber {
  readonly #queue: string[] = []
  #queuedBytes = 0
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

  /** What waits in this subscriber's queue (not yet handed to its socket). */
  get queued(): { frames: number; bytes: number } {
    return { frames: this.#queue.length, bytes: this.#queuedBytes }
  }

  send(frame: string): void {
    if (this.#closed) return
    if (this.#queue.length > 0 || this.res.writableNeedDrain) {
      const bytes = Buffer.byteLength(frame, 'utf8')
      if (this.#queuedBytes + bytes > this.limit) {
        this.res.destroy()
        this.#finish()
        return
      }
      this.#queue.push(frame)
      this.#queuedBytes += bytes
      return
    }
    this.res.write(frame)
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const frame = this.#queue.shift()!
      this.#queuedBytes -= Buffer.byteLength(frame, 'utf8')
      const ok = this.res.write(frame)
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
    this.#queuedBytes = 0
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
    this.#limit = opts.queueBytes ?? DEFAULT_SSE_QUEUE_BYTES
    this.#journal = new EventJournal(opts.journalFrames)
    this.#timer = setInterval(() => {
      for (const s of this.#subs) s.send(': heartbeat\n\n')
    }, opts.heartbeatMs ?? 15_000)
    this.#timer.unref()
  }

  get size(): number {
    return this.#subs.size
  }

  /** Each subscriber's queue, for tests and metrics. */
  queues(): { frames: number; bytes: number }[] {
    return [...this.#subs].map((s) => s.queued)
  }

  /**
   * Takes over `res` as an event stream: headers, `retry: 3000`, then the frames after `lastEventId` from the
   * journal, or (no ID, or one the journal cannot answer) the `initial` burst, every frame carrying the newest ID.
   */
  subscribe(
    res: ServerResponse,
    headers: Record<string, string>,
    initial: InstanceView[] | (() => InstanceView[]),
    lastEventId?: string,
  ): void {
    const missed = lastEventId ? this.#journal.since(lastEventId) : undefined
    if (lastEventId) this.resumes[missed ? 'replayed' : 'initial']++
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    })
    res.socket?.setNoDelay(true)
    const frames = missed ?? (typeof initial === 'function' ? initial() : initial).map((inst) => formatFrame('initial', inst, '', this.#journal.headId))
    const burst = frames.reduce((n, f) => n + Buffer.byteLength(f, 'utf8'), 0)
    const sub = new Subscriber(res, this.#limit + burst, (s) => this.#subs.delete(s))
    this.#subs.add(sub)
    sub.send('retry: 3000\n\n')
    for (const frame of frames) sub.send(frame)
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
