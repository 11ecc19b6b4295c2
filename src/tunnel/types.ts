// What a running tunnel (server, client dual-end or single-end) exposes to its host: the CLI or a master worker.
import type { Logger } from '../log.js'
import type { Tunables } from '../env.js'

/** The figures of a CHECK_POINT line (docs/protocol.md §3), also sent to the master as a typed message. */
export interface TunnelStats {
  /** Effective run mode (1 or 2 after auto-detection; 0 before it is known). */
  mode: number
  /** Last control-channel round trip (dual-end) or target dial time (single-end), whole ms. */
  ping: number
  /** Idle pool connections. */
  pool: number
  tcps: number
  udps: number
  /** Process-lifetime byte totals; tunnel restarts do not reset them. */
  tcprx: number
  tcptx: number
  udprx: number
  udptx: number
}

export interface TunnelDeps {
  log: Logger
  tunables: Tunables
  /** Called every time a CHECK_POINT line is logged (about every NP_REPORT_INTERVAL once the tunnel is up). */
  onCheckpoint?: (stats: TunnelStats) => void
}

/** A tunnel that keeps itself up: failures log `Server error:`/`Client error:` and it restarts after the cooldown. */
export interface RunningTunnel {
  stats(): TunnelStats
  /** Stops everything (listeners, pool, sessions); resolves when all sockets are closed. Idempotent. */
  close(): Promise<void>
}
