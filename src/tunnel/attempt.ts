// One start of a tunnel (Attempt) and what every attempt of one tunnel shares, kept across its restarts
// (AttemptContext: counters, certificate, detected mode, data plane).
import type { Logger } from '../log.js'
import type { Tunables } from '../env.js'
import type { ServerCredentials } from '../tls/certs.js'
import type { Counters } from './stats.js'
import type { TunnelStats } from './types.js'
import type { DataPlane } from '../net/plane.js'
import type { TunnelHealth } from './health.js'
import type { Ingress } from './ingress.js'

/** Given to every start attempt of one tunnel; lives as long as the tunnel, across restarts. */
export interface AttemptContext {
  readonly log: Logger
  readonly tunables: Tunables
  readonly counters: Counters
  /** Reports a checkpoint: the CHECK_POINT line (unless the host turned it off) and TunnelDeps.onCheckpoint. */
  readonly onCheckpoint: (s: TunnelStats) => void
  /** The typed state (src/tunnel/health.ts): attempts, readiness and per-connection failures report here. */
  readonly health: TunnelHealth
  /** Aborted when the tunnel closes: a start still in its handshake or waiting for its control connection gives up. */
  readonly signal: AbortSignal
  /** rate/block/proxy/dns/dial/lbs of this instance (src/net/plane.ts); one per process run, refilled on restart. */
  readonly plane: DataPlane
  /** The server certificate (tls=1 kept across restarts; tls=2 reloads itself). */
  creds: ServerCredentials | undefined
  /** Mode decided by the first start (auto-detection sticks across restarts). */
  stickyMode: 1 | 2 | undefined
  /**
   * The dual-end ingress listener (server in reverse mode, client in forward mode), bound by the first start that
   * needs it and kept across restarts: users who arrive while the tunnel restarts are held, not refused or dropped.
   * runTunnel closes it.
   */
  ingress: Ingress | undefined
}

/** One start of the tunnel: `failed` resolves with the reason it stopped working; `close` releases everything. */
export interface Attempt {
  readonly failed: Promise<Error>
  /** Idle pool connections (for CHECK_POINT/stats). */
  poolSize(): number
  close(): Promise<void>
}
