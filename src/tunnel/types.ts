// What a running tunnel (server, client dual-end or single-end) exposes to its host: the CLI or a master worker.
import type { Logger } from '../log.js'
import type { Tunables } from '../env.js'
import type { ErrorInfo } from '../errors.js'
import type { TunnelStats } from '../checkpoint.js'

export type { TunnelStats } from '../checkpoint.js'

/**
 * The typed state of a running tunnel (docs/errors.md):
 * - `starting`: an attempt is under way (binding, handshake, waiting for the peer); `error` is the failure the tunnel
 *   restarts after, absent on the first start.
 * - `ready`: the tunnel serves users.
 * - `degraded`: it serves users, but connections failed within the last NP_REPORT_INTERVAL (or the rate limit held
 *   traffic back); `error` is the latest such failure.
 * - `error`: the attempt failed; the tunnel starts again after the cooldown.
 */
export type TunnelState =
  | { readonly state: 'starting'; readonly error?: ErrorInfo }
  | { readonly state: 'ready' }
  | { readonly state: 'degraded'; readonly error: ErrorInfo }
  | { readonly state: 'error'; readonly error: ErrorInfo }
export type TunnelPhase = TunnelState['state']

export interface TunnelDeps {
  log: Logger
  tunables: Tunables
  /** Called at every checkpoint (about every NP_REPORT_INTERVAL once the tunnel is up). */
  onCheckpoint?: (stats: TunnelStats) => void
  /** false: the checkpoint figures go to onCheckpoint only, no CHECK_POINT log line (a master worker). Default true. */
  checkpointLines?: boolean
  /** Called on every change of the tunnel's state. */
  onState?: (state: TunnelState) => void
}

/** A tunnel that keeps itself up: failures log `Server error:`/`Client error:` and it restarts after the cooldown. */
export interface RunningTunnel {
  stats(): TunnelStats
  /** The current state (also delivered to `onState` on every change). */
  state(): TunnelState
  /** Stops everything (listeners, pool, sessions); resolves when all sockets are closed. Idempotent. */
  close(): Promise<void>
}
