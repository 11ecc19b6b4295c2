// Process-lifetime traffic counters and active-session counts (tunnel restarts do not reset the byte totals).
import type { Logger } from '../log.js'
import { ERR, NodePassError, formatErrorInfo } from '../errors.js'
import type { TunnelStats } from './types.js'

/** Where a refused slot is reported (src/tunnel/health.ts): logged with code and hint, tunnel marked degraded. */
export interface ProblemSink {
  problem(what: string | undefined, err: unknown): unknown
}

export class Counters {
  tcps = 0
  udps = 0
  tcprx = 0
  tcptx = 0
  udprx = 0
  udptx = 0
  mode = 0
  ping = 0

  /** `health` receives refused slots; without one (unit tests) they are only logged. */
  constructor(private readonly health?: ProblemSink) {}

  /** Admits a new TCP connection or UDP session while tcp+udp < slot (0 = unlimited); reports a refusal. */
  takeSlot(kind: 'TCP' | 'UDP', slot: number, log: Logger): boolean {
    if (slot > 0 && this.tcps + this.udps >= slot) {
      const err = new NodePassError(ERR.SLOT_LIMIT, `${kind} slot limit reached: ${this.tcps + this.udps}/${slot}`)
      if (this.health) this.health.problem(undefined, err)
      else log.error(formatErrorInfo(err.toJSON()))
      return false
    }
    if (kind === 'TCP') this.tcps++
    else this.udps++
    return true
  }

  snapshot(pool: number): TunnelStats {
    return {
      mode: this.mode, ping: this.ping, pool,
      tcps: this.tcps, udps: this.udps,
      tcprx: this.tcprx, tcptx: this.tcptx, udprx: this.udprx, udptx: this.udptx,
    }
  }
}

/** The CHECK_POINT text the master (and upstream tools) parse. */
export function checkpointLine(s: TunnelStats): string {
  return (
    `CHECK_POINT|MODE=${s.mode}|PING=${s.ping}ms|POOL=${s.pool}|TCPS=${s.tcps}|UDPS=${s.udps}` +
    `|TCPRX=${s.tcprx}|TCPTX=${s.tcptx}|UDPRX=${s.udprx}|UDPTX=${s.udptx}`
  )
}
