// A fetch-based SSE reader (EventSource cannot send X-API-Key): reconnects with backoff and `Last-Event-ID`, so the
// master replays what was missed (docs/master.md, resumable events); 401 ends it for good.
import type { Instance } from './api.js'

export interface Frame {
  type: 'initial' | 'create' | 'update' | 'delete' | 'log' | 'shutdown'
  time: string
  instance: Instance | null
  logs: string
}

export type LinkState = 'connecting' | 'live' | 'retrying'

export interface EventHandlers {
  onOpen(): void
  onFrame(f: Frame): void
  onState(s: LinkState, detail: string): void
  onUnauthorized(message: string): void
}

const MIN_BACKOFF = 500
const MAX_BACKOFF = 15_000

/**
 * Parses complete blank-line-separated blocks out of `buf` (the master writes `\n` line ends); returns the rest.
 * `id` is the block's `id:` field, if it has one.
 */
export function parseBlocks(buf: string, emit: (data: string, id: string | undefined) => void): string {
  let i
  while ((i = buf.indexOf('\n\n')) >= 0) {
    const block = buf.slice(0, i)
    buf = buf.slice(i + 2)
    const data: string[] = []
    let id: string | undefined
    for (const line of block.split('\n')) {
      if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5))
      else if (line.startsWith('id:')) id = line.slice(line[3] === ' ' ? 4 : 3)
    }
    if (data.length > 0) emit(data.join('\n'), id)
  }
  return buf
}

export function openEvents(base: string, key: string, h: EventHandlers): () => void {
  let stopped = false
  let abort: AbortController | undefined
  let backoff = MIN_BACKOFF
  let timer: ReturnType<typeof setTimeout> | undefined
  /** The id of the last frame handled: sent as Last-Event-ID on the next connect. */
  let lastId: string | undefined

  const run = async (): Promise<void> => {
    if (stopped) return
    abort = new AbortController()
    h.onState('connecting', '')
    let detail = 'connection closed'
    try {
      const headers: Record<string, string> = { 'X-API-Key': key }
      if (lastId !== undefined) headers['Last-Event-ID'] = lastId
      const res = await fetch(`${base}/events`, { headers, signal: abort.signal, cache: 'no-store' })
      if (res.status === 401) {
        let msg = 'Unauthorized'
        try {
          msg = ((await res.json()) as { error?: string }).error ?? msg
        } catch {
          // keep the default
        }
        stopped = true
        h.onUnauthorized(msg)
        return
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
      h.onOpen()
      h.onState('live', '')
      const reader = res.body.getReader()
      const dec = new TextDecoder()
      let buf = ''
      let got = false
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buf = parseBlocks(buf + dec.decode(value, { stream: true }), (data, id) => {
          try {
            h.onFrame(JSON.parse(data) as Frame)
            if (id !== undefined) lastId = id
            if (!got) {
              got = true
              backoff = MIN_BACKOFF
            }
          } catch {
            // a malformed frame is skipped
          }
        })
      }
    } catch (err) {
      if (stopped) return
      detail = err instanceof Error ? err.message : String(err)
    }
    if (stopped) return
    h.onState('retrying', detail)
    timer = setTimeout(() => void run(), backoff)
    backoff = Math.min(backoff * 2, MAX_BACKOFF)
  }
  void run()
  return () => {
    stopped = true
    clearTimeout(timer)
    abort?.abort()
  }
}
