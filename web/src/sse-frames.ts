// The event stream's text (docs/master.md, events): blank-line-separated blocks of `data:` and `id:` lines, each
// `data` one JSON frame. Pure (no DOM): the unit tests compile it with the server's tsconfig.
import type { EventType, InstanceView } from '../../src/master/types.js'

/** One frame as the master writes it (src/master/events.ts, formatFrame). */
export interface Frame {
  type: EventType
  time: string
  instance: InstanceView | null
  logs: string
}

const TYPES: ReadonlySet<string> = new Set<EventType>(['initial', 'create', 'update', 'delete', 'shutdown', 'log'])

/**
 * Parses complete blank-line-separated blocks out of `buf` (the master writes `\n` line ends); returns the rest.
 * `id` is the block's `id:` field, if it has one; a block without `data:` is skipped (the heartbeat comment).
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

/**
 * A block's data as a frame; undefined when it is not JSON, or not an object with a known `type`. An `instance`
 * without a string `id` counts as none.
 */
export function parseFrame(data: string): Frame | undefined {
  let f: unknown
  try {
    f = JSON.parse(data)
  } catch {
    return undefined
  }
  if (typeof f !== 'object' || f === null) return undefined
  const o = f as Partial<Frame>
  if (typeof o.type !== 'string' || !TYPES.has(o.type)) return undefined
  const inst = typeof o.instance === 'object' && o.instance !== null && typeof o.instance.id === 'string' ? o.instance : null
  return { type: o.type, time: typeof o.time === 'string' ? o.time : '', instance: inst, logs: typeof o.logs === 'string' ? o.logs : '' }
}
