// The REST client: every call carries X-API-Key; errors become ApiError with the API's message, code, hint and issues
// (the master's one error scheme, docs/errors.md).

import { KEY_ID, type InstanceView, type MasterInfo, type TrafficPoint } from '../../src/master/types.js'
import { ApiError, NETWORK, apiErrorOf, errorText, jsonOf } from './api-error.js'

// The answers below are the routes' own (src/master/routes/tcping.ts, traffic.ts), which declare no named type.
export interface TcpingResult {
  target: string
  connected: boolean
  latency: number
  error: string | null
}

export interface InstanceTraffic {
  id: string
  range: number
  step: number
  from: number
  to: number
  points: TrafficPoint[]
}

export interface AllTraffic {
  range: number
  step: number
  from: number
  to: number
  instances: { id: string; points: TrafficPoint[] }[]
}

/** `<prefix>/v1`, from the meta tag the master fills in (default `/api`). */
export function apiBase(): string {
  const meta = document.querySelector('meta[name="np-api-prefix"]')
  const prefix = meta?.getAttribute('content') ?? '/api'
  return `${prefix}/v1`
}

export class Api {
  constructor(
    readonly base: string,
    readonly key: string,
  ) {}

  async req<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'X-API-Key': this.key }
    const init: RequestInit = { method, headers }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    let res: Response
    try {
      res = await fetch(this.base + path, init)
    } catch (err) {
      throw new ApiError(0, `Network error: ${errorText(err)}`, NETWORK, [])
    }
    const text = await res.text()
    if (!res.ok) throw apiErrorOf(res.status, res.statusText, text)
    return jsonOf(text) as T
  }

  info = (): Promise<MasterInfo> => this.req('GET', '/info')
  setMasterAlias = (alias: string): Promise<MasterInfo> => this.req('POST', '/info', { alias })
  create = (url: string, alias: string): Promise<InstanceView> =>
    this.req('POST', '/instances', alias === '' ? { url } : { url, alias })
  patch = (id: string, body: Record<string, unknown>): Promise<InstanceView> =>
    this.req('PATCH', `/instances/${encodeURIComponent(id)}`, body)
  replaceUrl = (id: string, url: string): Promise<InstanceView> => this.req('PUT', `/instances/${encodeURIComponent(id)}`, { url })
  remove = (id: string): Promise<void> => this.req('DELETE', `/instances/${encodeURIComponent(id)}`)
  traffic = (id: string, range: string, step: string): Promise<InstanceTraffic> =>
    this.req('GET', `/instances/${encodeURIComponent(id)}/traffic?range=${range}&step=${step}`)
  allTraffic = (range: string, step: string): Promise<AllTraffic> => this.req('GET', `/traffic?range=${range}&step=${step}`)
  tcping = (target: string): Promise<TcpingResult> => this.req('GET', `/tcping?target=${encodeURIComponent(target)}`)
  regenerateKey = (): Promise<InstanceView> => this.req('PATCH', `/instances/${encodeURIComponent(KEY_ID)}`, { action: 'restart' })
}
