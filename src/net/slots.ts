// slot=N: at most N concurrent TCP+UDP sessions per instance; 0 = unlimited (D8). No queueing: a session that
// does not fit is refused at once. Sessions are counted even when unlimited, so TCPS/UDPS always mean something.
export type SlotKind = 'tcp' | 'udp'

/** One admitted session. release() is idempotent: only the first call gives the slot back. */
export interface Slot {
  readonly kind: SlotKind
  release(): void
}

export interface SlotTable {
  readonly limit: number
  readonly tcp: number
  readonly udp: number
  /** A slot, or undefined when tcp+udp has reached the limit. */
  acquire(kind: SlotKind): Slot | undefined
}

export function createSlotTable(limit: number): SlotTable {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`slot must be a whole number >= 0, got ${limit}`)
  const count: Record<SlotKind, number> = { tcp: 0, udp: 0 }
  return {
    limit,
    get tcp() {
      return count.tcp
    },
    get udp() {
      return count.udp
    },
    acquire(kind) {
      if (limit > 0 && count.tcp + count.udp >= limit) return undefined
      count[kind]++
      let held = true
      return {
        kind,
        release() {
          if (!held) return
          held = false
          count[kind]--
        },
      }
    },
  }
}

/** Upstream's log text for a refused session: `TCP slot limit reached: 20/20`. */
export function slotLimitMessage(table: SlotTable, kind: SlotKind): string {
  return `${kind.toUpperCase()} slot limit reached: ${table.tcp + table.udp}/${table.limit}`
}
