// The traffic chart's numbers: the master's history (bytes per step) extended by the live samples, as rates. Pure (no
// DOM): the unit tests compile it with the server's tsconfig.
import type { TrafficPoint } from '../../src/master/types.js'
import type { Sample } from './store.js'

/** What the chart needs of a `GET /instances/{id}/traffic` answer: the step and end (Unix seconds) and the points. */
export interface TrafficHistory {
  step: number
  to: number
  points: readonly TrafficPoint[]
}

export interface ChartData {
  t: number[]
  rx: number[]
  tx: number[]
  /** Bytes in and out in the whole chart. */
  rxBytes: number
  txBytes: number
}

export const inOf = (p: TrafficPoint): number => p.tcprx + p.udprx
export const outOf = (p: TrafficPoint): number => p.tcptx + p.udptx

/**
 * History points (bytes per step) plus the live samples newer than the fetch, folded into the same steps, as
 * rates (bytes/s per step). A sample straddling the fetch counts only what it added after it.
 */
export function chartData(h: TrafficHistory | undefined, samples: readonly Sample[]): ChartData {
  const out: ChartData = { t: [], rx: [], tx: [], rxBytes: 0, txBytes: 0 }
  if (!h) return out
  const rx = new Map<number, number>()
  const tx = new Map<number, number>()
  for (const p of h.points) {
    rx.set(p.t, inOf(p))
    tx.set(p.t, outOf(p))
  }
  const fetched = h.to * 1000
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!
    const b = samples[i]!
    if (b.t <= fetched) continue
    const t = Math.floor(b.t / 1000 / h.step) * h.step
    rx.set(t, (rx.get(t) ?? 0) + Math.max(0, b.rx - a.rx))
    tx.set(t, (tx.get(t) ?? 0) + Math.max(0, b.tx - a.tx))
  }
  for (const t of [...rx.keys()].sort((x, y) => x - y)) {
    const r = rx.get(t)!
    const x = tx.get(t) ?? 0
    out.t.push(t)
    out.rx.push(r / h.step)
    out.tx.push(x / h.step)
    out.rxBytes += r
    out.txBytes += x
  }
  return out
}
