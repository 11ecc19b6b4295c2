// What GET <prefix>/metrics reports: per-instance tunnel figures (also used by a standalone tunnel's
// NP_METRICS_ADDR listener) and per-master figures (instances by status, API requests, SSE, process, build).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { TunnelStats } from '../tunnel/types.js'
import { VERSION } from '../version.js'
import { Exposition, Histogram, renderLabels, type Labels } from './prom.js'

export const INSTANCE_STATUSES = ['running', 'stopped', 'error'] as const

/** One tunnel as the metrics see it. `status`, `restarts` and `errors` are known to a master only. */
export interface TunnelRow {
  labels: Labels
  stats: TunnelStats
  status?: string
  restarts?: number
  errors?: ReadonlyMap<string, number>
}

const TRAFFIC: readonly [keyof TunnelStats, string, string][] = [
  ['tcprx', 'tcp', 'rx'],
  ['tcptx', 'tcp', 'tx'],
  ['udprx', 'udp', 'rx'],
  ['udptx', 'udp', 'tx'],
]

/** The per-tunnel families; each row's labels are rendered once. */
export function writeTunnelMetrics(exp: Exposition, rows: readonly TunnelRow[]): void {
  const base = rows.map((r) => renderLabels(r.labels).slice(1, -1))
  const withExtra = (i: number, extra: string): string => (base[i] === '' ? `{${extra}}` : `{${base[i]},${extra}}`)
  const plain = (i: number): string => (base[i] === '' ? '' : `{${base[i]}}`)

  exp.family('nodepass_instance_traffic_bytes_total', 'counter',
    'Bytes relayed by the tunnel, by protocol (tcp, udp) and direction (rx into the tunnel host, tx out of it). Cumulative across restarts; `reset` starts it from 0.')
  rows.forEach((r, i) => {
    for (const [k, proto, dir] of TRAFFIC)
      exp.sample('nodepass_instance_traffic_bytes_total', withExtra(i, `protocol="${proto}",direction="${dir}"`), r.stats[k])
  })
  exp.family('nodepass_instance_tcp_connections', 'gauge', 'Open TCP connections being relayed.')
  rows.forEach((r, i) => exp.sample('nodepass_instance_tcp_connections', plain(i), r.stats.tcps))
  exp.family('nodepass_instance_udp_sessions', 'gauge', 'Open UDP sessions being relayed.')
  rows.forEach((r, i) => exp.sample('nodepass_instance_udp_sessions', plain(i), r.stats.udps))
  exp.family('nodepass_instance_pool_connections', 'gauge', 'Idle connections in the tunnel pool.')
  rows.forEach((r, i) => exp.sample('nodepass_instance_pool_connections', plain(i), r.stats.pool))
  exp.family('nodepass_instance_ping_seconds', 'gauge',
    'Last control-channel round trip (dual-end) or target dial time (single-end).')
  rows.forEach((r, i) => exp.sample('nodepass_instance_ping_seconds', plain(i), r.stats.ping / 1000))

  if (rows.some((r) => r.status !== undefined)) {
    exp.family('nodepass_instance_status', 'gauge', '1 for the status the instance is in, 0 for the others.')
    rows.forEach((r, i) => {
      for (const s of INSTANCE_STATUSES)
        exp.sample('nodepass_instance_status', withExtra(i, `status="${s}"`), r.status === s ? 1 : 0)
    })
  }
  if (rows.some((r) => r.restarts !== undefined)) {
    exp.family('nodepass_instance_restarts_total', 'counter',
      'Restarts by the master since it started: after a crash, for the restart action, and of instances left in error.')
    rows.forEach((r, i) => exp.sample('nodepass_instance_restarts_total', plain(i), r.restarts ?? 0))
  }
  if (rows.some((r) => r.errors !== undefined)) {
    exp.family('nodepass_instance_errors_total', 'counter',
      'Errors reported by the instance since the master started, by error code (`unknown` when the report carried none).')
    rows.forEach((r, i) => {
      for (const [code, n] of r.errors ?? []) exp.sample('nodepass_instance_errors_total', withExtra(i, `code="${code}"`), n)
    })
  }
}

/** Buckets of the API latency histogram, in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface MasterFigures {
  rows: readonly TunnelRow[]
  sseSubscribers: number
  /** Extra families (the traffic history's counters) appended by their owners. */
  extra?: (exp: Exposition) => void
}

/** Request counts and latencies by route template, and process figures; `render` writes everything. */
export class MasterMetrics {
  readonly #requests = new Map<string, { labels: string; n: number }>()
  readonly #latency = new Map<string, { labels: Labels; h: Histogram }>()
  readonly #eld: IntervalHistogram
  readonly #startSeconds = Math.floor(Date.now() / 1000 - process.uptime())

  constructor() {
    this.#eld = monitorEventLoopDelay({ resolution: 20 })
    this.#eld.enable()
  }

  /** One finished API request. `route` is the template (`/instances/{id}`), never the raw path. */
  observeRequest(route: string, method: string, status: number, seconds: number | undefined): void {
    const cls = `${Math.floor(status / 100)}xx`
    const key = `${route} ${method} ${cls}`
    let r = this.#requests.get(key)
    if (!r) this.#requests.set(key, (r = { labels: renderLabels({ route, method, code: cls }), n: 0 }))
    r.n++
    if (seconds === undefined) return
    const lk = `${route} ${method}`
    let l = this.#latency.get(lk)
    if (!l) this.#latency.set(lk, (l = { labels: { route, method }, h: new Histogram(LATENCY_BUCKETS) }))
    l.h.observe(seconds)
  }

  render(f: MasterFigures): string {
    const exp = new Exposition()
    writeTunnelMetrics(exp, f.rows)
    exp.family('nodepass_instances', 'gauge', 'Instances by status.')
    for (const s of INSTANCE_STATUSES)
      exp.sample('nodepass_instances', { status: s }, f.rows.filter((r) => r.status === s).length)
    exp.family('nodepass_api_requests_total', 'counter', 'API requests by route template, method and status class.')
    for (const r of this.#requests.values()) exp.sample('nodepass_api_requests_total', r.labels, r.n)
    exp.family('nodepass_api_request_duration_seconds', 'histogram',
      'API request latency by route template and method, until the reply is sent (event streams are not timed).')
    for (const l of this.#latency.values()) exp.histogram('nodepass_api_request_duration_seconds', l.labels, l.h)
    exp.family('nodepass_sse_subscribers', 'gauge', 'Open /events streams.')
    exp.sample('nodepass_sse_subscribers', undefined, f.sseSubscribers)
    f.extra?.(exp)
    writeProcessMetrics(exp, this.#eld, this.#startSeconds)
    return exp.text()
  }

  close(): void {
    this.#eld.disable()
  }
}

/** Process figures with the names prom-client uses (so existing Node.js dashboards work), and build info. */
export function writeProcessMetrics(exp: Exposition, eld: IntervalHistogram | undefined, startSeconds: number): void {
  const cpu = process.cpuUsage()
  const mem = process.memoryUsage()
  exp.family('process_cpu_seconds_total', 'counter', 'User and system CPU time of the process.')
  exp.sample('process_cpu_seconds_total', undefined, (cpu.user + cpu.system) / 1e6)
  exp.family('process_resident_memory_bytes', 'gauge', 'Resident set size.')
  exp.sample('process_resident_memory_bytes', undefined, mem.rss)
  exp.family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch.')
  exp.sample('process_start_time_seconds', undefined, startSeconds)
  exp.family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size of the main thread.')
  exp.sample('nodejs_heap_size_total_bytes', undefined, mem.heapTotal)
  exp.family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use on the main thread.')
  exp.sample('nodejs_heap_size_used_bytes', undefined, mem.heapUsed)
  exp.family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript objects (buffers).')
  exp.sample('nodejs_external_memory_bytes', undefined, mem.external)
  if (eld) {
    // Like prom-client: the figures cover the time since the previous scrape (the histogram restarts after each).
    const s = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0)
    exp.family('nodejs_eventloop_lag_mean_seconds', 'gauge', 'Mean event-loop delay since the previous scrape.')
    exp.sample('nodejs_eventloop_lag_mean_seconds', undefined, s(eld.mean))
    exp.family('nodejs_eventloop_lag_p99_seconds', 'gauge', '99th percentile event-loop delay since the previous scrape.')
    exp.sample('nodejs_eventloop_lag_p99_seconds', undefined, s(eld.percentile(99)))
    exp.family('nodejs_eventloop_lag_max_seconds', 'gauge', 'Largest event-loop delay since the previous scrape.')
    exp.sample('nodejs_eventloop_lag_max_seconds', undefined, s(eld.max))
    eld.reset()
  }
  exp.family('nodepass_build_info', 'gauge', 'Always 1; the labels name the NodePass and Node.js versions.')
  exp.sample('nodepass_build_info', { version: VERSION, node: process.version, platform: `${process.platform}/${process.arch}` }, 1)
}
