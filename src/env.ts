// NP_* tunables (README, Environment variables). Read once, in cli.ts; invalid values are a startup error.
import { MAX_TIMER_MS, parseDuration } from './duration.js'

export interface Tunables {
  readonly semaphoreLimit: number
  readonly tcpDataBufSize: number
  readonly udpDataBufSize: number
  readonly handshakeTimeoutMs: number
  readonly tcpDialTimeoutMs: number
  readonly udpDialTimeoutMs: number
  readonly udpReadTimeoutMs: number
  readonly poolGetTimeoutMs: number
  readonly minPoolIntervalMs: number
  readonly maxPoolIntervalMs: number
  readonly reportIntervalMs: number
  readonly serviceCooldownMs: number
  readonly shutdownTimeoutMs: number
  readonly reloadIntervalMs: number
}

type Spec = { env: string; kind: 'int' | 'dur'; def: number; min: number; max?: number }

const SPECS: Record<keyof Tunables, Spec> = {
  semaphoreLimit: { env: 'NP_SEMAPHORE_LIMIT', kind: 'int', def: 65536, min: 1 },
  // 64 KiB, not upstream's 16384: Node reads TCP in 64 KiB chunks; less costs CPU per byte (docs/design-notes.md).
  tcpDataBufSize: { env: 'NP_TCP_DATA_BUF_SIZE', kind: 'int', def: 65536, min: 1024, max: 16 * 1024 * 1024 },
  udpDataBufSize: { env: 'NP_UDP_DATA_BUF_SIZE', kind: 'int', def: 16384, min: 1, max: 65535 },
  handshakeTimeoutMs: { env: 'NP_HANDSHAKE_TIMEOUT', kind: 'dur', def: 5000, min: 1 },
  tcpDialTimeoutMs: { env: 'NP_TCP_DIAL_TIMEOUT', kind: 'dur', def: 5000, min: 1 },
  udpDialTimeoutMs: { env: 'NP_UDP_DIAL_TIMEOUT', kind: 'dur', def: 5000, min: 1 },
  udpReadTimeoutMs: { env: 'NP_UDP_READ_TIMEOUT', kind: 'dur', def: 30000, min: 1 },
  poolGetTimeoutMs: { env: 'NP_POOL_GET_TIMEOUT', kind: 'dur', def: 5000, min: 1 },
  minPoolIntervalMs: { env: 'NP_MIN_POOL_INTERVAL', kind: 'dur', def: 100, min: 1 },
  maxPoolIntervalMs: { env: 'NP_MAX_POOL_INTERVAL', kind: 'dur', def: 1000, min: 1 },
  reportIntervalMs: { env: 'NP_REPORT_INTERVAL', kind: 'dur', def: 5000, min: 1 },
  serviceCooldownMs: { env: 'NP_SERVICE_COOLDOWN', kind: 'dur', def: 3000, min: 0 },
  shutdownTimeoutMs: { env: 'NP_SHUTDOWN_TIMEOUT', kind: 'dur', def: 5000, min: 1 },
  reloadIntervalMs: { env: 'NP_RELOAD_INTERVAL', kind: 'dur', def: 3_600_000, min: 1 },
}

export const DEFAULT_TUNABLES: Tunables = Object.freeze(
  Object.fromEntries(Object.entries(SPECS).map(([k, s]) => [k, s.def])) as unknown as Tunables,
)

/** Every NP_* variable checked at once: the tunables, or the list of problems. */
export function readTunables(
  env: NodeJS.ProcessEnv,
): { ok: true; tunables: Tunables } | { ok: false; issues: string[] } {
  const out: Record<string, number> = {}
  const issues: string[] = []
  for (const [name, spec] of Object.entries(SPECS)) {
    const raw = env[spec.env]
    if (raw === undefined || raw === '') {
      out[name] = spec.def
      continue
    }
    const value = spec.kind === 'int' ? (/^\d+$/.test(raw) ? Number(raw) : undefined) : parseDuration(raw)
    const unit = spec.kind === 'int' ? 'an integer' : 'a duration such as 500ms or 5s'
    // durations drive Node timers, which cannot hold more than MAX_TIMER_MS (24.8 days)
    const max = spec.max ?? (spec.kind === 'dur' ? MAX_TIMER_MS : undefined)
    if (value === undefined) {
      issues.push(`${spec.env}=${JSON.stringify(raw)}: must be ${unit}`)
    } else if (value < spec.min || (max !== undefined && value > max)) {
      const range = max !== undefined ? `between ${spec.min} and ${max}` : `at least ${spec.min}`
      issues.push(`${spec.env}=${JSON.stringify(raw)}: must be ${range}${spec.kind === 'dur' ? ' ms' : ''}`)
    } else {
      out[name] = value
    }
  }
  if (out.minPoolIntervalMs! > out.maxPoolIntervalMs!)
    issues.push('NP_MIN_POOL_INTERVAL must not exceed NP_MAX_POOL_INTERVAL')
  return issues.length > 0 ? { ok: false, issues } : { ok: true, tunables: Object.freeze(out as unknown as Tunables) }
}

/** Observability settings (docs/metrics.md): NP_METRICS_ADDR, NP_METRICS_PUBLIC, NP_HISTORY_FLUSH. */
export interface ObservabilityEnv {
  /** Where a standalone server:// or client:// serves GET /metrics; undefined (the default) serves nothing. */
  readonly metricsAddr: { host: string; port: number } | undefined
  /** The master's /metrics answers without an API key. */
  readonly metricsPublic: boolean
  /** How often the master writes its traffic history (default 1 minute: a kill -9 loses at most that). */
  readonly historyFlushMs: number
}

export function readObservabilityEnv(
  env: NodeJS.ProcessEnv,
): { ok: true; obs: ObservabilityEnv } | { ok: false; issues: string[] } {
  const issues: string[] = []
  let metricsAddr: ObservabilityEnv['metricsAddr']
  const addr = env.NP_METRICS_ADDR ?? ''
  if (addr !== '') {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr)
    const port = m ? Number(m[3]) : NaN
    if (!m || port > 65535) issues.push(`NP_METRICS_ADDR=${JSON.stringify(addr)}: must be host:port such as 127.0.0.1:9100`)
    else metricsAddr = { host: m[1] ?? m[2] ?? '', port }
  }
  const pub = env.NP_METRICS_PUBLIC ?? ''
  if (pub !== '' && pub !== '0' && pub !== '1') issues.push(`NP_METRICS_PUBLIC=${JSON.stringify(pub)}: must be 0 or 1`)
  let historyFlushMs = 60_000
  const flush = env.NP_HISTORY_FLUSH ?? ''
  if (flush !== '') {
    const v = parseDuration(flush)
    if (v === undefined || v < 100 || v > 60_000)
      issues.push(`NP_HISTORY_FLUSH=${JSON.stringify(flush)}: must be a duration between 100ms and 1m`)
    else historyFlushMs = v
  }
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, obs: { metricsAddr, metricsPublic: pub === '1', historyFlushMs } }
}
