// Process-lifetime traffic counters and active-session counts (tunnel restarts do not reset the byte totals).
import type { Logger } from '../log.js'
import type { TunnelStats } from './types.js'

export class Counters {
  tcps = 0
  udps = 0
  tcprx = 0
  tcptx = 0
  udprx = 0
  udptx = 0
  mode = 0
  ping = 0

  /** Admits a new TCP connection or UDP session while tcp+udp < slot (0 = unlimited); logs a refusal. */
  takeSlot(kind: 'TCP' | 'UDP', slot: number, log: Logger): boolean {
    if (slot > 0 && this.tcps + this.udps >= slot) {
      log.error(`${kind} slot limit reached: ${this.tcps + this.udps}/${slot}`)
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
