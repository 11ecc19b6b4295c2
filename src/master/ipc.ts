// Typed messages between the master (parent) and an instance worker thread.
import type { Tunables } from '../env.js'
import type { LineLevel } from '../log.js'
import type { ErrorInfo } from '../errors.js'
import type { TunnelState, TunnelStats } from '../tunnel/types.js'

/** workerData of an instance worker. */
export interface WorkerInit {
  id: string
  url: string
  tunables: Tunables
  /** Module that exports `runTunnel(config, deps)`; the tunnel core unless a test substitutes it. */
  tunnelModule: string
}

export type ToWorker = { t: 'stop' }

/** Stats and state travel as typed messages; log lines are for people and never read back. */
export type FromWorker =
  | { t: 'running' }
  | { t: 'log'; line: string; level: LineLevel }
  | { t: 'stats'; stats: TunnelStats }
  /** Every change of the tunnel's typed state (src/tunnel/health.ts). */
  | { t: 'state'; state: TunnelState }
  /** The instance cannot run (bad URL, unreadable files, the tunnel threw while starting). */
  | { t: 'fatal'; error: ErrorInfo }
  | { t: 'stopped' }

export function isFromWorker(v: unknown): v is FromWorker {
  return v !== null && typeof v === 'object' && typeof (v as { t?: unknown }).t === 'string'
}
