// Runs instances' workers: start and stop through each instance's operation queue, the worker's callbacks (running,
// log, checkpoint, death) and the restart backoff after a worker dies.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Tunables } from '../env.js'
import { ERR, NodePassError, formatErrorInfo, type ErrorInfo } from '../errors.js'
import { formatLine, type Logger } from '../log.js'
import type { TunnelStats } from '../tunnel/types.js'
import type { EventBus } from './events.js'
import type { TrafficHistory } from './history.js'
import { applyTunnelState, countError, instanceView, setInstanceError, setStopped, type Instance } from './instance.js'
import { InstanceWorker } from './instance-worker.js'
import { applyCheckpoint, startBaseline } from './traffic.js'

const MAX_BACKOFF_MS = 60_000
const STOP_GRACE_MS = 5_000
/** A worker that ran this long before dying starts its backoff over at 1 s. */
const STABLE_RUN_MS = 30_000
/** The pause between stop and start of a restart, and between starts at master start. */
export const RESTART_GAP_MS = 100

export interface SupervisorOptions {
  tunables: Tunables
  log: Logger
  bus: EventBus
  /** Receives every instance log line as `<line> [<id>]` (the master's stdout). */
  echo: (line: string) => void
  tunnelModule: string
  /** Saves the state (after a stop). */
  save: () => Promise<void>
  /** A checkpoint changed some instance's totals. */
  trafficChanged: () => void
  /** Receives every checkpoint's totals (docs/metrics.md). */
  history?: TrafficHistory
}

export class Supervisor {
  readonly #o: SupervisorOptions
  #closed = false

  constructor(opts: SupervisorOptions) {
    this.#o = opts
  }

  get closed(): boolean {
    return this.#closed
  }

  start(inst: Instance): void {
    void inst.ops.run(() => this.#startNow(inst))
  }

  stop(inst: Instance): Promise<void> {
    return inst.ops.run(() => this.#stopNow(inst))
  }

  /**
   * PATCH `start`: also starts an instance in `error` (stopping what is left of it first). Decided in the queue, not
   * on arrival: a start that arrives while a stop is still running (PATCH stop answers at once) runs after it.
   */
  startOrRecover(inst: Instance): void {
    void inst.ops.run(async () => {
      if (inst.status === 'running' && inst.worker) return
      if (inst.status === 'error') await this.#stopNow(inst)
      await this.#startNow(inst)
    })
  }

  /** Stop, a short pause, start. */
  restart(inst: Instance): Promise<void> {
    inst.restarts++
    return inst.ops.run(async () => {
      await this.#stopNow(inst)
      await sleep(RESTART_GAP_MS)
      await this.#startNow(inst)
    })
  }

  /** Stops every instance in parallel; nothing starts afterwards. */
  async close(all: Iterable<Instance>): Promise<void> {
    this.#closed = true
    await Promise.all(
      [...all].map((inst) => {
        clearTimeout(inst.retry)
        return this.stop(inst)
      }),
    )
  }

  #publish(inst: Instance): void {
    this.#o.bus.publish('update', instanceView(inst))
  }

  async #startNow(inst: Instance): Promise<void> {
    if (inst.deleted || this.#closed || (inst.worker && !inst.worker.exited)) return
    clearTimeout(inst.retry)
    inst.retry = undefined
    inst.traffic = startBaseline(inst.rec.totals)
    inst.lastCheckPoint = undefined
    inst.startedAt = Date.now()
    inst.tunnel = undefined
    const worker = new InstanceWorker(
      { id: inst.rec.id, url: inst.rec.url, tunables: this.#o.tunables, tunnelModule: this.#o.tunnelModule },
      {
        running: () => {
          if (inst.worker !== worker || inst.deleted) return
          if (applyTunnelState(inst, inst.tunnel ?? { state: 'starting' })) this.#publish(inst)
        },
        log: (line) => this.#onLog(inst, line),
        stats: (s) => {
          if (inst.worker === worker) this.#onStats(inst, s)
        },
        state: (s) => {
          if (inst.worker !== worker || inst.deleted) return
          inst.tunnel = s
          // errors by code (metrics): each failed attempt, and each time connections start failing with a code
          if (s.state === 'error' || s.state === 'degraded') countError(inst, s.error.code)
          if (applyTunnelState(inst, s)) this.#publish(inst)
        },
        fatal: (error) => {
          if (inst.worker === worker) this.#onDied(inst, 'Instance failed to start', error)
        },
        died: (reason) => {
          if (inst.worker === worker)
            this.#onDied(inst, 'Instance worker ended', new NodePassError(ERR.INSTANCE_CRASHED, `instance ${inst.rec.id}: ${reason}`).toJSON())
        },
      },
    )
    inst.worker = worker
    await Promise.resolve()
  }

  async #stopNow(inst: Instance): Promise<void> {
    clearTimeout(inst.retry)
    inst.retry = undefined
    if (inst.status === 'stopped' && !inst.worker) return
    const w = inst.worker
    // Within half of NP_SHUTDOWN_TIMEOUT, so that a master stopping with a stuck worker still saves and exits cleanly.
    if (w) await w.stop(Math.max(100, Math.min(STOP_GRACE_MS, this.#o.tunables.shutdownTimeoutMs / 2)))
    if (inst.worker === w) inst.worker = undefined
    setStopped(inst)
    inst.lastCheckPoint = undefined
    this.#publish(inst)
    if (!inst.deleted) await this.#o.save().catch(() => undefined)
  }

  /** Log lines are echoed and streamed for people; the instance's state comes from typed messages only. */
  #onLog(inst: Instance, line: string): void {
    if (inst.deleted) return
    this.#o.echo(`${line} [${inst.rec.id}]`)
    this.#o.bus.publish('log', instanceView(inst), line)
  }

  #onStats(inst: Instance, s: TunnelStats): void {
    if (inst.deleted) return
    inst.rec.mode = s.mode
    inst.ping = s.ping
    inst.pool = s.pool
    inst.tcps = s.tcps
    inst.udps = s.udps
    applyCheckpoint(inst.traffic, s, inst.rec.totals)
    this.#o.history?.observe(inst.rec.id, inst.rec.totals, s.tcps, s.udps)
    inst.lastCheckPoint = Date.now()
    // A stalled instance (see Monitor.markStale) that reports again returns to its tunnel's state.
    if (inst.error?.code === ERR.INSTANCE_UNRESPONSIVE && inst.tunnel) applyTunnelState(inst, inst.tunnel)
    this.#o.trafficChanged()
    this.#publish(inst)
  }

  #onDied(inst: Instance, what: string, error: ErrorInfo): void {
    inst.worker = undefined
    if (inst.deleted || this.#closed) return
    setInstanceError(inst, error)
    countError(inst, error.code)
    inst.tunnel = undefined
    this.#onLog(inst, formatLine('error', `${what}: ${formatErrorInfo(error)}`))
    this.#publish(inst)
    if (!inst.rec.restart) return
    if (Date.now() - inst.startedAt >= STABLE_RUN_MS) inst.backoffMs = 1000
    const delay = inst.backoffMs
    inst.backoffMs = Math.min(inst.backoffMs * 2, MAX_BACKOFF_MS)
    this.#o.log.warn(`Instance ${inst.rec.id} restarts in ${delay} ms`)
    inst.retry = setTimeout(() => {
      inst.retry = undefined
      if (inst.status === 'error' && !inst.worker) {
        inst.restarts++
        this.start(inst)
      }
    }, delay)
  }
}
