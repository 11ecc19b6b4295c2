// InstanceManager: the instance table behind the API — identity, saving, create/replace/delete, PATCH. Workers are
// run by the Supervisor (supervisor.ts), the periodic duties by the Monitor (monitor.ts).
import type { Tunables } from '../env.js'
import type { Logger } from '../log.js'
import { configUrl, enhanceUrl, type MasterTlsSettings } from '../url/format.js'
import { API_ERR, ApiError, forbiddenKey, notFound } from './api-error.js'
import type { EventBus } from './events.js'
import type { TrafficHistory } from './history.js'
import { assertViewFits } from './frame-limits.js'
import { keyView, masterIdFrom, newApiKey, newInstanceId } from './identity.js'
import { instanceView, newInstance, type Instance } from './instance.js'
import type { InstanceApi } from './instance-api.js'
import { checkInstanceUrl } from './instance-url.js'
import type { TunnelRow } from './metrics.js'
import { Monitor } from './monitor.js'
import type { PatchPlan } from './patch.js'
import type { StateStore } from './store.js'
import { Supervisor } from './supervisor.js'
import { resetTraffic, zeroCounters } from './traffic.js'
import { KEY_ID, emptyMeta, type InstanceRecord, type InstanceView, type MasterState } from './types.js'

export interface ManagerOptions {
  tunables: Tunables
  log: Logger
  bus: EventBus
  inherit: MasterTlsSettings
  /** Receives every instance log line as `<line> [<id>]` (the master's stdout). */
  echo: (line: string) => void
  tunnelModule: string
  /** Traffic history kept per instance (docs/metrics.md). */
  history?: TrafficHistory
}

export class InstanceManager implements InstanceApi {
  readonly #o: ManagerOptions
  readonly #table = new Map<string, Instance>()
  readonly #sup: Supervisor
  readonly #monitor: Monitor
  #store: StateStore | undefined
  #apiKey = ''
  #masterId = ''
  #alias = ''
  #trafficDirty = false

  constructor(opts: ManagerOptions) {
    this.#o = opts
    this.#sup = new Supervisor({
      ...opts,
      save: () => this.save(),
      trafficChanged: () => {
        this.#trafficDirty = true
      },
    })
    this.#monitor = new Monitor(() => this.#table.values(), this.#sup, opts.bus, opts.tunables.reportIntervalMs)
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

  // ---- identity and saving ----------------------------------------------------------------------------------

  /** Loads a stored state (every instance stopped) or creates the key and master ID on a first start. */
  restore(state: MasterState | undefined): { created: boolean } {
    if (!state) {
      this.#apiKey = newApiKey()
      this.#masterId = masterIdFrom(undefined)
      return { created: true }
    }
    this.#apiKey = state.apiKey
    this.#masterId = masterIdFrom(state.masterId)
    this.#alias = state.alias
    for (const r of state.instances) {
      const rec: InstanceRecord = { ...r, meta: { peer: { ...emptyMeta().peer, ...r.meta.peer }, tags: r.meta.tags } }
      if (rec.config === '') rec.config = configUrl(rec.url, this.#o.inherit)
      this.#table.set(rec.id, this.#newInstance(rec))
      this.#o.history?.track(rec.id, rec.totals)
    }
    return { created: false }
  }

  snapshot(): MasterState {
    return {
      version: 1,
      masterId: this.#masterId,
      alias: this.#alias,
      apiKey: this.#apiKey,
      instances: [...this.#table.values()].map((inst) => structuredClone(inst.rec)),
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

  async regenerateKey(): Promise<InstanceView> {
    this.#apiKey = newApiKey()
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

  keyView(): InstanceView {
    return keyView(this.#alias, this.#apiKey, this.#masterId)
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  list(): InstanceView[] {
    return [this.keyView(), ...[...this.#table.values()].map(instanceView)]
  }

  get(id: string): InstanceView {
    if (id === KEY_ID) return this.keyView()
    return instanceView(this.#get(id))
  }

  /** Every instance (not `********`) with what only the master knows: restarts and errors by code. */
  metricsRows(): TunnelRow[] {
    return [...this.#table.values()].map((inst) => ({
      labels: { id: inst.rec.id, alias: inst.rec.alias, type: inst.rec.type, mode: inst.rec.mode },
      stats: { mode: inst.rec.mode, ping: inst.ping, pool: inst.pool, tcps: inst.tcps, udps: inst.udps, ...inst.rec.totals },
      status: inst.status,
      restarts: inst.restarts,
      errors: inst.errors,
    }))
  }

  has(id: string): boolean {
    return id === KEY_ID || this.#table.has(id)
  }

  #get(id: string): Instance {
    const inst = this.#table.get(id)
    if (!inst) throw notFound()
    return inst
  }

  #newInstance(rec: InstanceRecord): Instance {
    return newInstance(rec, (inst, err) => {
      this.#o.log.error(`Instance ${inst.rec.id}: ${err instanceof Error ? err.message : String(err)}`)
    })
  }

  // ---- create, replace, delete ------------------------------------------------------------------------------

  async create(url: string, alias: string): Promise<InstanceView> {
    const { type } = checkInstanceUrl(url)
    const id = newInstanceId((x) => this.#table.has(x))
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
      totals: zeroCounters(),
    }
    const inst = this.#newInstance(rec)
    assertViewFits(instanceView(inst))
    this.#table.set(id, inst)
    this.#o.history?.track(id, rec.totals)
    await this.save()
    const view = instanceView(inst)
    this.#o.bus.publish('create', view)
    this.#sup.start(inst)
    return view
  }

  async replaceUrl(id: string, url: string): Promise<InstanceView> {
    if (id === KEY_ID) throw forbiddenKey()
    const inst = this.#get(id)
    const { type } = checkInstanceUrl(url)
    const enhanced = enhanceUrl(url, this.#o.inherit)
    if (enhanced === inst.rec.url) throw new ApiError(409, API_ERR.CONFLICT, 'Instance URL conflict')
    assertViewFits({ ...instanceView(inst), type, url: enhanced, config: configUrl(enhanced, this.#o.inherit) })
    await this.#sup.stop(inst)
    inst.rec.url = enhanced
    inst.rec.type = type
    inst.rec.config = configUrl(enhanced, this.#o.inherit)
    await this.save()
    const view = instanceView(inst)
    this.#sup.start(inst)
    return view
  }

  async remove(id: string): Promise<void> {
    if (id === KEY_ID) throw forbiddenKey()
    const inst = this.#get(id)
    inst.deleted = true
    await this.#sup.stop(inst)
    this.#table.delete(id)
    await this.save()
    await this.#o.history?.remove(id)
    this.#o.bus.publish('delete', instanceView(inst))
  }

  // ---- PATCH ------------------------------------------------------------------------------------------------

  /** Applies a validated PATCH plan; actions other than `reset` run asynchronously. */
  async patch(id: string, plan: PatchPlan): Promise<InstanceView> {
    const inst = this.#get(id)
    const statusBefore = inst.status
    if (plan.action === 'reset') this.#o.history?.rebase(id)
    if (applyFields(inst, plan)) {
      await this.save()
      this.#o.bus.publish('update', instanceView(inst))
    }
    const reply = { ...instanceView(inst), status: statusBefore }
    switch (plan.action) {
      case 'start':
        this.#sup.startOrRecover(inst)
        break
      case 'stop':
        void this.#sup.stop(inst)
        break
      case 'restart':
        void this.#sup.restart(inst)
        break
      case 'reset':
      case undefined:
        break
    }
    return reply
  }

  // ---- the master's periodic duties and shutdown -------------------------------------------------------------

  /** Every NP_REPORT_INTERVAL: stale checkpoints become `error`; fresh traffic totals are saved. */
  monitorTick(): void {
    this.#monitor.markStale()
    if (this.#trafficDirty) void this.save().catch(() => undefined)
  }

  /** Every NP_RELOAD_INTERVAL: each instance in `error` is restarted (stop, 100 ms, start). */
  restartErrored(): Promise<void> {
    return this.#monitor.restartErrored()
  }

  /** Starts every `restart: true` instance, one after another with 100 ms gaps (master start). */
  startAutoRestart(): Promise<void> {
    return this.#monitor.startAutoRestart()
  }

  /** Stops every instance in parallel. */
  close(): Promise<void> {
    return this.#sup.close(this.#table.values())
  }
}

/** The plan's field changes (alias, restart, peer, tags, and the `reset` action); true when anything changed. */
function applyFields(inst: Instance, plan: PatchPlan): boolean {
  let changed = false
  if (plan.alias !== undefined) {
    inst.rec.alias = plan.alias
    changed = true
  }
  if (plan.restart !== undefined && plan.restart !== inst.rec.restart) {
    inst.rec.restart = plan.restart
    changed = true
  }
  if (plan.peer !== undefined) {
    inst.rec.meta.peer = plan.peer
    changed = true
  }
  if (plan.tags !== undefined) {
    inst.rec.meta.tags = plan.tags
    changed = true
  }
  if (plan.action === 'reset') {
    resetTraffic(inst.traffic, inst.rec.totals, inst.worker !== undefined)
    changed = true
  }
  return changed
}
