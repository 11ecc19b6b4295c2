// Traffic totals across worker restarts and resets: pure arithmetic, no I/O, no clock.
// A worker counts from zero each time it starts; the master keeps totals that survive restarts:
//   total = base + raw − reset
// where `base` is the total when the worker started and `reset` the worker's raw count at the last reset.
import { COUNTERS, type Counter } from './types.js'

export type Counters = Record<Counter, number>

export const zeroCounters = (): Counters => ({ tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 })

export interface TrafficBaseline {
  base: Counters
  reset: Counters
  /** The worker's raw counters at its latest checkpoint. */
  lastRaw: Counters
}

/** The baseline of a worker that starts now, with the stored totals as its base. */
export function startBaseline(totals: Readonly<Counters>): TrafficBaseline {
  return { base: { ...totals }, reset: zeroCounters(), lastRaw: zeroCounters() }
}

/**
 * Folds one checkpoint's raw counters into `totals` (both `b` and `totals` change). A raw value below the reset
 * mark means the worker's counter started again from zero, so the mark is dropped.
 */
export function applyCheckpoint(b: TrafficBaseline, raw: Readonly<Counters>, totals: Counters): void {
  for (const c of COUNTERS) {
    const v = raw[c]
    if (v < b.reset[c]) b.reset[c] = 0
    b.lastRaw[c] = v
    totals[c] = b.base[c] + v - b.reset[c]
  }
}

/** A reset: every total becomes 0; a running worker's current raw counts become the new zero. */
export function resetTraffic(b: TrafficBaseline, totals: Counters, running: boolean): void {
  for (const c of COUNTERS) {
    b.reset[c] = running ? b.lastRaw[c] : 0
    b.base[c] = 0
    totals[c] = 0
  }
}
