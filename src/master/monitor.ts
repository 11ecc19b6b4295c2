// The master's periodic duties over all instances: stale checkpoints become `error` (every NP_REPORT_INTERVAL),
// instances in `error` are restarted (every NP_RELOAD_INTERVAL), `restart: true` instances start at master start.
import { setTimeout as sleep } from 'node:timers/promises'
import type { EventBus } from './events.js'
import { ERR, NodePassError } from '../errors.js'
import { countError, instanceView, setInstanceError, type Instance } from './instance.js'
import { RESTART_GAP_MS, type Supervisor } from './supervisor.js'

/** Checkpoints missing for this many report intervals make a running instance `error`. */
const STALE_INTERVALS = 3

export class Monitor {
  readonly #all: () => Iterable<Instance>
  readonly #sup: Supervisor
  readonly #bus: EventBus
  readonly #reportIntervalMs: number

  constructor(all: () => Iterable<Instance>, sup: Supervisor, bus: EventBus, reportIntervalMs: number) {
    this.#all = all
    this.#sup = sup
    this.#bus = bus
    this.#reportIntervalMs = reportIntervalMs
  }

  /** Marks running instances whose checkpoints stopped as `error`. */
  markStale(now = Date.now()): void {
    const stale = STALE_INTERVALS * this.#reportIntervalMs
    for (const inst of this.#all()) {
      if (inst.status === 'running' && inst.lastCheckPoint !== undefined && now - inst.lastCheckPoint > stale) {
        const secs = Math.round((now - inst.lastCheckPoint) / 1000)
        const err = new NodePassError(ERR.INSTANCE_UNRESPONSIVE, `instance ${inst.rec.id}: no checkpoint for ${secs}s (expected every ${this.#reportIntervalMs}ms)`)
        setInstanceError(inst, err.toJSON())
        countError(inst, err.code)
        this.#bus.publish('update', instanceView(inst))
      }
    }
  }

  /** Restarts each instance in `error` that has no backoff retry pending, one after another. */
  async restartErrored(): Promise<void> {
    for (const inst of [...this.#all()]) {
      if (this.#sup.closed) return
      if (inst.deleted || inst.status !== 'error' || inst.retry) continue
      await this.#sup.restart(inst)
    }
  }

  /** Starts every `restart: true` instance, one after another with short gaps (master start). */
  async startAutoRestart(): Promise<void> {
    for (const inst of [...this.#all()]) {
      if (this.#sup.closed) return
      if (!inst.rec.restart || inst.deleted) continue
      this.#sup.start(inst)
      await sleep(RESTART_GAP_MS)
    }
  }
}
