// What a running tunnel (server, client dual-end or single-end) exposes to its host: the CLI or a master worker.
import type { Logger } from '../log.js'
import type { Tunables } from '../env.js'
import type { TunnelStats } from '../checkpoint.js'

export type { TunnelStats } from '../checkpoint.js'

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
