// What the routes (and the package's RunningMaster) may do with instances: the narrow interface in front of
// InstanceManager.
import type { TunnelRow } from './metrics.js'
import type { PatchPlan } from './patch.js'
import type { InstanceView } from './types.js'

export interface InstanceApi {
  readonly apiKey: string
  readonly masterId: string
  readonly alias: string
  /** The `********` key entry first, then every instance. */
  list(): InstanceView[]
  /** Throws 404 for an unknown ID. */
  get(id: string): InstanceView
  has(id: string): boolean
  /** GET /metrics: every instance's figures, status, restarts and errors by code. */
  metricsRows(): TunnelRow[]
  keyView(): InstanceView
  create(url: string, alias: string): Promise<InstanceView>
  replaceUrl(id: string, url: string): Promise<InstanceView>
  remove(id: string): Promise<void>
  patch(id: string, plan: PatchPlan): Promise<InstanceView>
  regenerateKey(): Promise<InstanceView>
  setAlias(alias: string): Promise<void>
}
