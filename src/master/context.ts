// What every route handler receives.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Tunables } from '../env.js'
import type { Logger } from '../log.js'
import type { EventBus } from './events.js'
import type { TrafficHistory } from './history.js'
import type { InstanceApi } from './instance-api.js'
import type { MasterMetrics } from './metrics.js'
import type { MasterConfig } from '../url/types.js'

export interface AppDeps {
  config: MasterConfig
  tunables: Tunables
  log: Logger
  manager: InstanceApi
  bus: EventBus
  version: string
  /** The effective TLS code of the API listener: '0', '1' or '2'. */
  tlsCode: string
  startedAt: number
  metrics: MasterMetrics
  history: TrafficHistory
  /** NP_METRICS_PUBLIC=1: GET /metrics without an API key. */
  metricsPublic: boolean
}

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  /** The matched base path, e.g. `/api/v1` or `/api`. */
  base: string
  deps: AppDeps
  query: URLSearchParams
}
