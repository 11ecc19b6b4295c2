// Size limits that keep every SSE frame readable by the panels. NodePassDash reads /events with r3labs/sse, whose
// event buffer is 64 KiB, and its SSE proxy splits lines with Go's bufio.Scanner (64 KiB per line): one larger
// frame ends the stream, the panel reconnects, gets the same frame in the `initial` burst, and never recovers.
// So an instance's JSON view is capped when it is created or changed, and `log` lines are cut to fit.
import { badRequest } from './api-error.js'
import type { InstanceView } from './types.js'

/** The largest SSE frame we send, `event:` line, `data:` line and blank line included (margin under 64 KiB). */
export const MAX_FRAME_BYTES = 60 * 1024
/** The largest JSON view of one instance (url, config, alias, meta and widest counters), checked on every change. */
export const MAX_VIEW_BYTES = 48 * 1024

const TRUNCATED = ' …[truncated]'
const WIDEST = Number.MAX_SAFE_INTEGER

const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8')

/** The view's JSON size with every counter at its widest, so traffic growth never pushes a frame over the limit. */
export function viewBytes(view: InstanceView): number {
  return jsonBytes({
    ...view,
    status: 'running',
    mode: WIDEST,
    ping: WIDEST,
    pool: WIDEST,
    tcps: WIDEST,
    udps: WIDEST,
    tcprx: WIDEST,
    tcptx: WIDEST,
    udprx: WIDEST,
    udptx: WIDEST,
  })
}

/** Refuses (400) a create or change that would make the instance's view too large for an SSE frame. */
export function assertViewFits(view: InstanceView): void {
  if (viewBytes(view) > MAX_VIEW_BYTES)
    throw badRequest(`Instance exceeds maximum size ${MAX_VIEW_BYTES} bytes (url, config, alias and meta as JSON)`)
}

/** `logs` cut (with a marker) so that it adds at most `budget` bytes as a JSON string; unchanged when it fits. */
export function fitLogs(logs: string, budget: number): string {
  if (jsonBytes(logs) <= budget) return logs
  const room = budget - jsonBytes(TRUNCATED) + 2
  if (room <= 2) return ''
  let lo = 0
  let hi = logs.length
  // binary search for the longest prefix whose JSON fits: at most ~32 rounds for any string length
  for (let i = 0; i < 64 && lo < hi; i++) {
    const mid = Math.ceil((lo + hi) / 2)
    if (jsonBytes(logs.slice(0, mid)) <= room) lo = mid
    else hi = mid - 1
  }
  return logs.slice(0, lo) + TRUNCATED
}
