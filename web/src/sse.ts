// A fetch-based SSE reader (EventSource cannot send X-API-Key): reconnects with backoff and `Last-Event-ID`, so the
// master replays what was missed (docs/master.md, resumable events); 401 ends it for good.
import { apiErrorOf, errorText } from './api-error.js'
import { parseBlocks, parseFrame, type Frame } from './sse-frames.js'

export type LinkState = 'connecting' | 'live' | 'retrying'

export interface EventHandlers {
  onOpen(): void
  onFrame(f: Frame): void
  onState(s: LinkState, detail: string): void
  onUnauthorized(message: string): void
}

const MIN_BACKOFF = 500
const MAX_BACKOFF = 15_000

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
        const msg = apiErrorOf(res.status, res.statusText || 'Unauthorized', await res.text().catch(() => '')).message
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
          const f = parseFrame(data)
          if (!f) return // a malformed frame is skipped
          h.onFrame(f)
          if (id !== undefined) lastId = id
          if (!got) {
            got = true
            backoff = MIN_BACKOFF
          }
        })
      }
    } catch (err) {
      if (stopped) return
      detail = errorText(err)
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
