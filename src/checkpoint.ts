// The figures of a CHECK_POINT line: what a tunnel reports every NP_REPORT_INTERVAL. A pure leaf (types only), so
// the master's API types and the dashboard can share it.

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
