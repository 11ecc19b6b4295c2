// Typed messages between the master (parent) and an instance worker thread.
import type { Tunables } from '../env.js'
import type { LineLevel } from '../log.js'
import type { TunnelStats } from '../tunnel/types.js'

/** workerData of an instance worker. */
export interface WorkerInit {
  id: string
  url: string
  tunables: Tunables
  /** Module that exports `runTunnel(config, deps)`; the tunnel core unless a test substitutes it. */
  tunnelModule: string
}

export type ToWorker = { t: 'stop' }

export type FromWorker =
  | { t: 'running' }
  | { t: 'log'; line: string; level: LineLevel }
  | { t: 'stats'; stats: TunnelStats }
  /** The instance cannot run (bad URL, unreadable files, the tunnel threw while starting). */
  | { t: 'fatal'; message: string }
  | { t: 'stopped' }

/** upstream's CHECK_POINT regex (docs/protocol.md §3), unanchored. */
export const CHECKPOINT_RE =
  /CHECK_POINT\|MODE=(\d+)\|PING=(\d+)ms\|POOL=(\d+)\|TCPS=(\d+)\|UDPS=(\d+)\|TCPRX=(\d+)\|TCPTX=(\d+)\|UDPRX=(\d+)\|UDPTX=(\d+)/

/** The figures of a CHECK_POINT log line, or undefined when the line is not one. */
export function parseCheckpoint(line: string): TunnelStats | undefined {
  const m = CHECKPOINT_RE.exec(line)
  if (!m) return undefined
  const n = m.slice(1).map(Number)
  return {
    mode: n[0]!,
    ping: n[1]!,
    pool: n[2]!,
    tcps: n[3]!,
    udps: n[4]!,
    tcprx: n[5]!,
    tcptx: n[6]!,
    udprx: n[7]!,
    udptx: n[8]!,
  }
}

export function isFromWorker(v: unknown): v is FromWorker {
  return v !== null && typeof v === 'object' && typeof (v as { t?: unknown }).t === 'string'
}
