// Dashboard state fed by SSE frames: the instance map, 15 minutes of traffic samples, rates and bounded logs.
// Pure (no DOM; the page passes requestAnimationFrame as `schedule`): the unit tests compile it with the server's tsconfig.
import { KEY_ID, type InstanceView } from '../../src/master/types.js'
import type { Frame } from './sse-frames.js'

export const HISTORY_MS = 15 * 60_000
export const LOG_LIMIT = 1000
/** The `initial` burst is over when no frame arrived for this long (the stream has no end-of-burst marker). */
const BURST_QUIET_MS = 120

export interface Sample {
  t: number
  rx: number
  tx: number
}

export interface Rate {
  rx: number
  tx: number
}

export class Store {
  instances = new Map<string, InstanceView>()
  /** The `********` pseudo-instance: its alias is the master alias. */
  keyInstance: InstanceView | undefined
  samples = new Map<string, Sample[]>()
  rates = new Map<string, Rate>()
  logs = new Map<string, string[]>()
  version = 0
  #listeners = new Set<() => void>()
  #scheduled = false
  #seen: Set<string> | undefined
  #pruneTimer: ReturnType<typeof setTimeout> | undefined

  /** `schedule` runs the listeners once for any number of changes (the page: at the next animation frame). */
  constructor(readonly schedule: (fn: () => void) => void) {}

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  #changed(): void {
    this.version++
    if (this.#scheduled) return
    this.#scheduled = true
    this.schedule(() => {
      this.#scheduled = false
      for (const fn of this.#listeners) fn()
    })
  }

  /**
   * A new stream. If it starts with an `initial` burst, the burst replaces the list (instances it does not name are
   * dropped); a resumed stream (Last-Event-ID answered from the master's journal) has no burst and keeps the list.
   */
  streamOpened(): void {
    clearTimeout(this.#pruneTimer)
    this.#seen = undefined
  }

  #prune(): void {
    clearTimeout(this.#pruneTimer)
    const seen = this.#seen
    this.#seen = undefined
    if (!seen) return
    for (const id of [...this.instances.keys()]) if (!seen.has(id)) this.#forget(id)
    performance.mark('np-burst-done')
    this.#changed()
  }

  #forget(id: string): void {
    this.instances.delete(id)
    this.samples.delete(id)
    this.rates.delete(id)
    this.logs.delete(id)
  }

  apply(f: Frame, now = Date.now()): void {
    const inst = f.instance
    if (f.type !== 'initial' && this.#seen) this.#prune()
    switch (f.type) {
      case 'initial':
      case 'create':
      case 'update':
        if (!inst) return
        if (f.type === 'initial') {
          this.#seen ??= new Set()
          this.#seen.add(inst.id)
          clearTimeout(this.#pruneTimer)
          this.#pruneTimer = setTimeout(() => this.#prune(), BURST_QUIET_MS)
        }
        this.upsert(inst, now)
        // The burst renders once, when it is complete (#prune), not once per animation frame while it arrives.
        if (f.type === 'initial' && this.#seen) return
        break
      case 'delete':
        if (inst) this.#forget(inst.id)
        break
      case 'log':
        // Only for listed instances: a late line of a deleted one would keep its log alive.
        if (inst && this.instances.has(inst.id)) this.addLog(inst.id, f.logs)
        break
      case 'shutdown':
        break
    }
    this.#changed()
  }

  upsert(inst: InstanceView, now = Date.now()): void {
    if (inst.id === KEY_ID) {
      this.keyInstance = inst
      return
    }
    this.instances.set(inst.id, inst)
    let list = this.samples.get(inst.id)
    if (!list) this.samples.set(inst.id, (list = []))
    const rx = inst.tcprx + inst.udprx
    const tx = inst.tcptx + inst.udptx
    const last = list[list.length - 1]
    if (last && (last.rx !== rx || last.tx !== tx || now - last.t >= 1000)) {
      const dt = (now - last.t) / 1000
      if (dt > 0.05) this.rates.set(inst.id, { rx: Math.max(0, (rx - last.rx) / dt), tx: Math.max(0, (tx - last.tx) / dt) })
    }
    if (!last || now - last.t >= 200) list.push({ t: now, rx, tx })
    else {
      last.rx = rx
      last.tx = tx
    }
    while (list.length > 0 && now - list[0]!.t > HISTORY_MS) list.shift()
  }

  addLog(id: string, line: string): void {
    let list = this.logs.get(id)
    if (!list) this.logs.set(id, (list = []))
    for (const l of line.split('\n')) if (l !== '') list.push(l)
    if (list.length > LOG_LIMIT) list.splice(0, list.length - LOG_LIMIT)
  }

  /** Rates go stale when no update arrives; shown as 0 after 3 report-less intervals of this length. */
  rate(id: string, now = Date.now(), staleMs = 30_000): Rate {
    const r = this.rates.get(id)
    const list = this.samples.get(id)
    const last = list?.[list.length - 1]
    if (!r || !last || now - last.t > staleMs) return { rx: 0, tx: 0 }
    return r
  }
}
