// One instance = one worker thread (D15): its own V8 isolate and heap limit; an uncaught error ends only that worker.
import { Worker } from 'node:worker_threads'
import type { Tunables } from '../env.js'
import type { LineLevel } from '../log.js'
import type { ErrorInfo } from '../errors.js'
import type { TunnelState, TunnelStats } from '../tunnel/types.js'
import { ASSET, embeddedText } from '../embedded.js'
import { isFromWorker, type ToWorker, type WorkerInit } from './ipc.js'

// Idle isolates stay small (D15: 200 idle instances under 3 GB); relay buffers live outside the V8 heap.
export const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 4, stackSizeMb: 4 }

export interface WorkerHandlers {
  running(): void
  log(line: string, level: LineLevel): void
  stats(stats: TunnelStats): void
  /** Every change of the tunnel's typed state. */
  state(state: TunnelState): void
  /** The instance could not start (bad URL, unreadable files, the tunnel threw while starting). */
  fatal(error: ErrorInfo): void
  /** The worker ended without being asked to: a crash, an uncaught error, an out-of-memory kill. */
  died(reason: string): void
}

export interface WorkerSpec {
  id: string
  url: string
  tunables: Tunables
  tunnelModule: string
}

export class InstanceWorker {
  readonly #worker: Worker
  #stopping = false
  #exited = false
  readonly #exit: Promise<void>
  #lastError: string | undefined

  constructor(spec: WorkerSpec, h: WorkerHandlers) {
    const init: WorkerInit = { id: spec.id, url: spec.url, tunables: spec.tunables, tunnelModule: spec.tunnelModule }
    // The single executable has no worker.js on disk: it runs the worker's bundle from its assets instead.
    const embedded = embeddedText(ASSET.worker)
    this.#worker = new Worker(embedded ?? new URL('./worker.js', import.meta.url), {
      eval: embedded !== undefined,
      workerData: init,
      resourceLimits: WORKER_RESOURCE_LIMITS,
      name: `instance-${spec.id}`,
      stdout: false,
      stderr: false,
    })
    this.#worker.on('message', (m: unknown) => {
      if (!isFromWorker(m) || this.#stopping) {
        if (isFromWorker(m) && m.t === 'log') h.log(m.line, m.level)
        // The tunnel has closed: end the thread now instead of waiting for its event loop to empty (a timer or
        // handle something left behind would otherwise hold the stop for the whole grace period).
        if (isFromWorker(m) && m.t === 'stopped') void this.#worker.terminate()
        return
      }
      switch (m.t) {
        case 'running':
          return h.running()
        case 'log':
          return h.log(m.line, m.level)
        case 'stats':
          return h.stats(m.stats)
        case 'state':
          return h.state(m.state)
        case 'fatal':
          this.#stopping = true
          h.fatal(m.error)
          void this.#worker.terminate()
          return
        case 'stopped':
          return
      }
    })
    this.#worker.on('error', (err) => {
      this.#lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    })
    this.#exit = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#exited = true
        resolve()
        if (!this.#stopping) h.died(this.#lastError ?? `instance worker exited with code ${code}`)
      })
    })
  }

  get exited(): boolean {
    return this.#exited
  }

  /** Asks the tunnel to close; after `graceMs` the worker is terminated. Resolves once the worker has ended. */
  async stop(graceMs: number): Promise<void> {
    if (this.#exited) return
    this.#stopping = true
    const msg: ToWorker = { t: 'stop' }
    this.#worker.postMessage(msg)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs)
    })
    await Promise.race([this.#exit, timeout])
    clearTimeout(timer)
    if (!this.#exited) await this.#worker.terminate()
    await this.#exit
  }
}
