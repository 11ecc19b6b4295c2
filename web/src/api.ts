// The REST client: every call carries X-API-Key; errors become ApiError with the API's message, code, hint and issues
// (the master's one error scheme, docs/errors.md).

import { KEY_ID, type InstanceView, type MasterInfo, type TrafficPoint } from '../../src/master/types.js'

export type { MasterInfo, Peer } from '../../src/master/types.js'
/** One instance as the API returns it (the master's own type). */
export type Instance = InstanceView

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

export { KEY_ID }
export type { TrafficPoint }

/** A refused request: the HTTP status, and the error's message, stable code and one-line hint as the master sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly issues: string[],
    readonly hint = '',
  ) {
    super(message)
  }
}

/** What the dashboard shows for any error: `message [CODE] — hint` when the master gave a code and hint. */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err)
  return err.code === '' || err.code === 'NETWORK' ? err.message : `${err.message} [${err.code}]${err.hint ? ` — ${err.hint}` : ''}`
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
      throw new ApiError(0, `Network error: ${err instanceof Error ? err.message : String(err)}`, 'NETWORK', [])
    }
    const text = await res.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (!res.ok) {
      const o = (json ?? {}) as { error?: unknown; code?: unknown; hint?: unknown; issues?: unknown }
      const msg = typeof o.error === 'string' ? o.error : text.trim() || res.statusText
      const issues = Array.isArray(o.issues) ? o.issues.filter((x): x is string => typeof x === 'string') : []
      throw new ApiError(res.status, msg, typeof o.code === 'string' ? o.code : '', issues, typeof o.hint === 'string' ? o.hint : '')
    }
    return json as T
  }

  info = (): Promise<MasterInfo> => this.req('GET', '/info')
  setMasterAlias = (alias: string): Promise<MasterInfo> => this.req('POST', '/info', { alias })
  create = (url: string, alias: string): Promise<Instance> =>
    this.req('POST', '/instances', alias === '' ? { url } : { url, alias })
  patch = (id: string, body: Record<string, unknown>): Promise<Instance> =>
    this.req('PATCH', `/instances/${encodeURIComponent(id)}`, body)
  replaceUrl = (id: string, url: string): Promise<Instance> => this.req('PUT', `/instances/${encodeURIComponent(id)}`, { url })
  remove = (id: string): Promise<void> => this.req('DELETE', `/instances/${encodeURIComponent(id)}`)
  traffic = (id: string, range: string, step: string): Promise<InstanceTraffic> =>
    this.req('GET', `/instances/${encodeURIComponent(id)}/traffic?range=${range}&step=${step}`)
  allTraffic = (range: string, step: string): Promise<AllTraffic> => this.req('GET', `/traffic?range=${range}&step=${step}`)
  tcping = (target: string): Promise<TcpingResult> => this.req('GET', `/tcping?target=${encodeURIComponent(target)}`)
  regenerateKey = (): Promise<Instance> => this.req('PATCH', `/instances/${encodeURIComponent(KEY_ID)}`, { action: 'restart' })
}
