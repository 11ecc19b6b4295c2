// InstanceManager: the instance table, its state machine, traffic baselines, restart policy and persistence.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Tunables } from '../env.js'
import { ERR, NodePassError, formatErrorInfo, type ErrorInfo } from '../errors.js'
import { formatLine, type Logger } from '../log.js'
import type { TunnelState, TunnelStats } from '../tunnel/types.js'
import { configUrl, enhanceUrl, type MasterTlsSettings } from '../url/format.js'
import { parseTunnelUrl } from '../url/parse.js'
import { API_ERR, ApiError, badRequest, forbiddenKey, notFound } from './api-error.js'
import type { EventBus } from './events.js'
import type { PatchPlan } from './patch.js'
import { InstanceWorker } from './runner.js'
import type { StateStore } from './store.js'
import {
  COUNTERS,
  KEY_ID,
  emptyMeta,
  type Counter,
  type InstanceRecord,
  type InstanceState,
  type InstanceStatus,
  type InstanceView,
  type MasterState,
} from './types.js'

const zeros = (): Record<Counter, number> => ({ tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 })
const MAX_BACKOFF_MS = 60_000
const STOP_GRACE_MS = 5_000

interface Live {
  rec: InstanceRecord
  status: InstanceStatus
  /** The typed state shown next to `status`, and the error behind `error`/`degraded` (or a crash, a stall). */
  state: InstanceState
  error: ErrorInfo | undefined
  /** The tunnel's last typed state (what the instance returns to when a stall ends). */
  tunnel: TunnelState | undefined
  ping: number
  pool: number
  tcps: number
  udps: number
  /** §7 baselines: total = base + raw − reset. */
  base: Record<Counter, number>
  reset: Record<Counter, number>
  lastRaw: Record<Counter, number>
  worker: InstanceWorker | undefined
  startedAt: number
  lastCheckPoint: number | undefined
  deleted: boolean
  backoffMs: number
  retry: NodeJS.Timeout | undefined
  /** Start/stop operations of one instance run one after another. */
  op: Promise<void>
}

export interface ManagerOptions {
  tunables: Tunables
  log: Logger
  bus: EventBus
  inherit: MasterTlsSettings
  /** Receives every instance log line as `<line> [<id>]` (the master's stdout). */
  echo: (line: string) => void
  tunnelModule: string
}

export class InstanceManager {
  readonly #o: ManagerOptions
  readonly #live = new Map<string, Live>()
  #store: StateStore | undefined
  #apiKey = ''
  #masterId = ''
  #alias = ''
  #trafficDirty = false
  #closed = false

  constructor(opts: ManagerOptions) {
    this.#o = opts
  }

  attachStore(store: StateStore): void {
    this.#store = store
  }

  get apiKey(): string {
    return this.#apiKey
  }
  get masterId(): string {
    return this.#masterId
  }
  get alias(): string {
    return this.#alias
  }

  /** Loads a stored state (every instance stopped) or creates the key and master ID on a first start. */
  restore(state: MasterState | undefined): { created: boolean } {
    if (!state) {
      this.#apiKey = randomBytes(16).toString('hex')
      this.#masterId = randomBytes(8).toString('hex')
      return { created: true }
    }
    this.#apiKey = state.apiKey
    this.#masterId = /^[0-9a-f]{16}$/.test(state.masterId) ? state.masterId : randomBytes(8).toString('hex')
    this.#alias = state.alias
    for (const r of state.instances) {
      const rec: InstanceRecord = { ...r, meta: { peer: { ...emptyMeta().peer, ...r.meta.peer }, tags: r.meta.tags } }
      if (rec.config === '') rec.config = configUrl(rec.url, this.#o.inherit)
      this.#live.set(rec.id, this.#newLive(rec))
    }
    return { created: false }
  }

  snapshot(): MasterState {
    return {
      version: 1,
      masterId: this.#masterId,
      alias: this.#alias,
      apiKey: this.#apiKey,
      instances: [...this.#live.values()].map((l) => structuredClone(l.rec)),
    }
  }

  async save(): Promise<void> {
    this.#trafficDirty = false
    try {
      await this.#store?.save()
    } catch (err) {
      this.#o.log.error(`State save failed: ${err instanceof Error ? err.message : String(err)}`)
      throw new ApiError(500, API_ERR.INTERNAL, 'State could not be saved')
    }
  }

  #newLive(rec: InstanceRecord): Live {
    return {
      rec,
      status: 'stopped',
      state: 'stopped',
      error: undefined,
      tunnel: undefined,
      ping: 0,
      pool: 0,
      tcps: 0,
      udps: 0,
      base: { ...rec.totals },
      reset: zeros(),
      lastRaw: zeros(),
      worker: undefined,
      startedAt: 0,
      lastCheckPoint: undefined,
      deleted: false,
      backoffMs: 1000,
      retry: undefined,
      op: Promise.resolve(),
    }
  }

  keyView(): InstanceView {
    return {
      id: KEY_ID,
      alias: this.#alias,
      type: '',
      status: '',
      url: this.#apiKey,
      config: this.#masterId,
      restart: false,
      meta: emptyMeta(),
      mode: 0,
      ping: 0,
      pool: 0,
      tcps: 0,
      udps: 0,
      ...zeros(),
      state: '',
      errorCode: '',
      errorMessage: '',
      errorHint: '',
    }
  }

  #view(l: Live): InstanceView {
    const r = l.rec
    return {
      id: r.id,
      alias: r.alias,
      type: r.type,
      status: l.status,
      url: r.url,
      config: r.config,
      restart: r.restart,
      meta: structuredClone(r.meta),
      mode: r.mode,
      ping: l.ping,
      pool: l.pool,
      tcps: l.tcps,
      udps: l.udps,
      ...r.totals,
      state: l.state,
      errorCode: l.error?.code ?? '',
      errorMessage: l.error?.message ?? '',
      errorHint: l.error?.hint ?? '',
    }
  }

  list(): InstanceView[] {
    return [this.keyView(), ...[...this.#live.values()].map((l) => this.#view(l))]
  }

  get(id: string): InstanceView {
    if (id === KEY_ID) return this.keyView()
    return this.#view(this.#get(id))
  }

  has(id: string): boolean {
    return id === KEY_ID || this.#live.has(id)
  }

  #get(id: string): Live {
    const l = this.#live.get(id)
    if (!l) throw notFound()
    return l
  }

  /** Validates an instance URL: scheme first (upstream's message), then the tunnel parser's problems. */
  #checkUrl(url: string): { type: 'server' | 'client' } {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase()
    if (scheme !== 'server' && scheme !== 'client') throw badRequest('Invalid URL scheme')
    const parsed = parseTunnelUrl(url, { checkFiles: true })
    if (!parsed.ok)
      throw new ApiError(400, parsed.code, `Invalid URL format: ${parsed.issues.join('; ')}`, {
        issues: parsed.issues,
      })
    return { type: scheme }
  }

  async create(url: string, alias: string): Promise<InstanceView> {
    const { type } = this.#checkUrl(url)
    let id = randomBytes(4).toString('hex')
    for (let i = 0; i < 8 && this.#live.has(id); i++) id = randomBytes(4).toString('hex')
    if (this.#live.has(id)) throw new ApiError(409, API_ERR.CONFLICT, 'Instance ID already exists')
    const enhanced = enhanceUrl(url, this.#o.inherit)
    const rec: InstanceRecord = {
      id,
      alias,
      type,
      url: enhanced,
      config: configUrl(enhanced, this.#o.inherit),
      restart: true,
      meta: emptyMeta(),
      mode: 0,
      totals: zeros(),
    }
    const l = this.#newLive(rec)
    this.#live.set(id, l)
    await this.save()
    const view = this.#view(l)
    this.#o.bus.publish('create', view)
    this.start(l)
    return view
  }

  async replaceUrl(id: string, url: string): Promise<InstanceView> {
    if (id === KEY_ID) throw forbiddenKey()
    const l = this.#get(id)
    const { type } = this.#checkUrl(url)
    const enhanced = enhanceUrl(url, this.#o.inherit)
    if (enhanced === l.rec.url) throw new ApiError(409, API_ERR.CONFLICT, 'Instance URL conflict')
    await this.#stop(l)
    l.rec.url = enhanced
    l.rec.type = type
    l.rec.config = configUrl(enhanced, this.#o.inherit)
    await this.save()
    const view = this.#view(l)
    this.start(l)
    return view
  }

  async remove(id: string): Promise<void> {
    if (id === KEY_ID) throw forbiddenKey()
    const l = this.#get(id)
    l.deleted = true
    await this.#stop(l)
    this.#live.delete(id)
    await this.save()
    this.#o.bus.publish('delete', this.#view(l))
  }

  /** Applies a validated PATCH plan; actions other than `reset` run asynchronously. */
  async patch(id: string, plan: PatchPlan): Promise<InstanceView> {
    const l = this.#get(id)
    const before = this.#view(l)
    let changed = false
    if (plan.alias !== undefined) {
      l.rec.alias = plan.alias
      changed = true
    }
    if (plan.restart !== undefined && plan.restart !== l.rec.restart) {
      l.rec.restart = plan.restart
      changed = true
    }
    if (plan.peer !== undefined) {
      l.rec.meta.peer = plan.peer
      changed = true
    }
    if (plan.tags !== undefined) {
      l.rec.meta.tags = plan.tags
      changed = true
    }
    if (plan.action === 'reset') {
      for (const c of COUNTERS) {
        l.reset[c] = l.worker ? l.lastRaw[c] : 0
        l.base[c] = 0
        l.rec.totals[c] = 0
      }
      changed = true
    }
    if (changed) {
      await this.save()
      this.#o.bus.publish('update', this.#view(l))
    }
    const reply = { ...this.#view(l), status: before.status }
    switch (plan.action) {
      case 'start':
        if (l.status !== 'running' || !l.worker)
          void this.#enqueue(l, async () => {
          if (l.status === 'error') await this.#stopNow(l)
          await this.#startNow(l)
        })
        break
      case 'stop':
        void this.#enqueue(l, () => this.#stopNow(l))
        break
      case 'restart':
        void this.#enqueue(l, async () => {
          await this.#stopNow(l)
          await sleep(100)
          await this.#startNow(l)
        })
        break
      case 'reset':
      case undefined:
        break
    }
    return reply
  }

  async regenerateKey(): Promise<InstanceView> {
    this.#apiKey = randomBytes(16).toString('hex')
    await this.save()
    this.#o.log.info('API Key regenerated')
    const view = this.keyView()
    this.#o.bus.publish('update', view)
    this.#o.bus.shutdownAll()
    return view
  }

  async setAlias(alias: string): Promise<void> {
    this.#alias = alias
    await this.save()
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  #enqueue(l: Live, fn: () => Promise<void>): Promise<void> {
    const next = l.op.then(fn).catch((err: unknown) => {
      this.#o.log.error(`Instance ${l.rec.id}: ${err instanceof Error ? err.message : String(err)}`)
    })
    l.op = next
    return next
  }

  start(l: Live): void {
    void this.#enqueue(l, () => this.#startNow(l))
  }

  #stop(l: Live): Promise<void> {
    return this.#enqueue(l, () => this.#stopNow(l))
  }

  /** Starts every `restart: true` instance, one after another with 100 ms gaps (master start). */
  async startAutoRestart(): Promise<void> {
    for (const l of [...this.#live.values()]) {
      if (this.#closed) return
      if (!l.rec.restart || l.deleted) continue
      this.start(l)
      await sleep(100)
    }
  }

  async #startNow(l: Live): Promise<void> {
    if (l.deleted || this.#closed || (l.worker && !l.worker.exited)) return
    clearTimeout(l.retry)
    l.retry = undefined
    l.base = { ...l.rec.totals }
    l.reset = zeros()
    l.lastRaw = zeros()
    l.lastCheckPoint = undefined
    l.startedAt = Date.now()
    l.tunnel = undefined
    const worker = new InstanceWorker(
      { id: l.rec.id, url: l.rec.url, tunables: this.#o.tunables, tunnelModule: this.#o.tunnelModule },
      {
        running: () => {
          if (l.worker !== worker || l.deleted) return
          this.#applyState(l, l.tunnel ?? { state: 'starting' })
        },
        log: (line) => this.#onLog(l, line),
        stats: (s) => {
          if (l.worker === worker) this.#onStats(l, s)
        },
        state: (s) => {
          if (l.worker !== worker || l.deleted) return
          l.tunnel = s
          this.#applyState(l, s)
        },
        fatal: (error) => {
          if (l.worker === worker) this.#onDied(l, 'Instance failed to start', error)
        },
        died: (reason) => {
          if (l.worker === worker)
            this.#onDied(l, 'Instance worker ended', new NodePassError(ERR.INSTANCE_CRASHED, `instance ${l.rec.id}: ${reason}`).toJSON())
        },
      },
    )
    l.worker = worker
    await Promise.resolve()
  }

  async #stopNow(l: Live): Promise<void> {
    clearTimeout(l.retry)
    l.retry = undefined
    if (l.status === 'stopped' && !l.worker) return
    const w = l.worker
    if (w) await w.stop(STOP_GRACE_MS)
    if (l.worker === w) l.worker = undefined
    l.status = 'stopped'
    l.state = 'stopped'
    l.error = undefined
    l.tunnel = undefined
    l.ping = l.pool = l.tcps = l.udps = 0
    l.lastCheckPoint = undefined
    this.#o.bus.publish('update', this.#view(l))
    if (!l.deleted) await this.save().catch(() => undefined)
  }

  /** Log lines are echoed and streamed for people; the instance's state comes from typed messages only. */
  #onLog(l: Live, line: string): void {
    if (l.deleted) return
    this.#o.echo(`${line} [${l.rec.id}]`)
    this.#o.bus.publish('log', this.#view(l), line)
  }

  /**
   * A typed tunnel state sets status, state and error: starting/ready/degraded show `running`; `error`, and a
   * restart after one (starting with an error), show `error` until the tunnel is ready again. Sends `update` when
   * anything visible changed.
   */
  #applyState(l: Live, s: TunnelState): void {
    const error = s.state === 'ready' ? undefined : s.error
    const status: InstanceStatus = s.state === 'error' || (s.state === 'starting' && error) ? 'error' : 'running'
    const state: InstanceState = status === 'error' ? 'error' : s.state
    // A tunnel (re)starting has no session yet: the stall check waits for its first checkpoint again.
    if (s.state === 'starting' || s.state === 'error') l.lastCheckPoint = undefined
    if (l.status === status && l.state === state && l.error?.code === error?.code && l.error?.message === error?.message) return
    l.status = status
    l.state = state
    l.error = error
    if (status === 'error') l.ping = l.pool = l.tcps = l.udps = 0
    this.#o.bus.publish('update', this.#view(l))
  }

  #onStats(l: Live, s: TunnelStats): void {
    if (l.deleted) return
    l.rec.mode = s.mode
    l.ping = s.ping
    l.pool = s.pool
    l.tcps = s.tcps
    l.udps = s.udps
    for (const c of COUNTERS) {
      const v = s[c]
      if (v < l.reset[c]) l.reset[c] = 0
      l.lastRaw[c] = v
      l.rec.totals[c] = l.base[c] + v - l.reset[c]
    }
    l.lastCheckPoint = Date.now()
    // A stalled instance (see monitorTick) that reports again returns to its tunnel's state.
    if (l.error?.code === ERR.INSTANCE_UNRESPONSIVE && l.tunnel) this.#applyState(l, l.tunnel)
    this.#trafficDirty = true
    this.#o.bus.publish('update', this.#view(l))
  }

  #onDied(l: Live, what: string, error: ErrorInfo): void {
    l.worker = undefined
    if (l.deleted || this.#closed) return
    l.status = 'error'
    l.state = 'error'
    l.error = error
    l.tunnel = undefined
    l.ping = l.pool = l.tcps = l.udps = 0
    this.#onLog(l, formatLine('error', `${what}: ${formatErrorInfo(error)}`))
    this.#o.bus.publish('update', this.#view(l))
    if (!l.rec.restart) return
    if (Date.now() - l.startedAt >= 30_000) l.backoffMs = 1000
    const delay = l.backoffMs
    l.backoffMs = Math.min(l.backoffMs * 2, MAX_BACKOFF_MS)
    this.#o.log.warn(`Instance ${l.rec.id} restarts in ${delay} ms`)
    l.retry = setTimeout(() => {
      l.retry = undefined
      if (l.status === 'error' && !l.worker) this.start(l)
    }, delay)
  }

  /** Every NP_REPORT_INTERVAL: stale checkpoints become `error`; fresh traffic totals are saved. */
  monitorTick(): void {
    const stale = 3 * this.#o.tunables.reportIntervalMs
    const now = Date.now()
    for (const l of this.#live.values()) {
      if (l.status === 'running' && l.lastCheckPoint !== undefined && now - l.lastCheckPoint > stale) {
        const secs = Math.round((now - l.lastCheckPoint) / 1000)
        const err = new NodePassError(ERR.INSTANCE_UNRESPONSIVE, `instance ${l.rec.id}: no checkpoint for ${secs}s (expected every ${this.#o.tunables.reportIntervalMs}ms)`)
        l.status = 'error'
        l.state = 'error'
        l.error = err.toJSON()
        this.#o.bus.publish('update', this.#view(l))
      }
    }
    if (this.#trafficDirty) void this.save().catch(() => undefined)
  }

  /** Every NP_RELOAD_INTERVAL: each instance in `error` is restarted (stop, 100 ms, start). */
  async restartErrored(): Promise<void> {
    for (const l of [...this.#live.values()]) {
      if (this.#closed) return
      if (l.deleted || l.status !== 'error' || l.retry) continue
      await this.#enqueue(l, async () => {
        await this.#stopNow(l)
        await sleep(100)
        await this.#startNow(l)
      })
    }
  }

  /** Test hook: ends an instance's worker thread at once, as a crash would. */
  async killWorker(id: string): Promise<number> {
    const w = this.#get(id).worker
    if (!w) throw new Error(`instance ${id} has no worker`)
    const tid = w.threadId
    await w.kill()
    return tid
  }

  /** Stops every instance in parallel. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(
      [...this.#live.values()].map((l) => {
        clearTimeout(l.retry)
        return this.#enqueue(l, () => this.#stopNow(l))
      }),
    )
  }
}
