// The result JSON written to bench/results/<timestamp>.json, and a shape check used by the renderer and the tests.
import type { ObservabilityResult } from './observability.js'
import type { LatencySummary, Spread } from './stats.js'

export const RESULT_SCHEMA = 'nodepass-bench/1'

export type ConfigKind = 'limit' | 'baseline' | 'nodepass' | 'go'
export type ConfigStatus = 'ok' | 'partial' | 'skipped' | 'failed'

export interface BulkResult {
  /** Receiver throughput of each run, Gbit/s. */
  gbps: Spread
  /** CPU of all forwarder processes, % of one core, per run. */
  cpuPct?: Spread
}

export interface ConcurrencyResult {
  connections: number
  failures: number
  /** From the first connect() to the last echo received (or to the deadline when some never arrived). */
  timeToLastEchoMs: number
  /** Sum of the forwarder processes' RSS while all connections are held open. */
  rssMb?: number
  /** First few distinct error texts seen (for failures). */
  errors?: string[]
}

export interface ConfigResult {
  name: string
  label: string
  kind: ConfigKind
  status: ConfigStatus
  notes: string[]
  /** Forwarder processes (e.g. 2 for a stunnel pair or a NodePass server+client). */
  processes?: number
  tcp1?: BulkResult
  tcp8?: BulkResult
  newConn?: LatencySummary
  reqResp?: LatencySummary
  conc?: Record<string, ConcurrencyResult>
  /** iperf3 UDP at the offered rate: loss % per run. */
  udpLoss?: Spread
  udpEcho?: LatencySummary
  /** Idle RSS (all forwarder processes summed) and per process, MB. */
  rssIdleMb?: number
  rssIdlePerProcessMb?: number[]
}

export interface MasterResult {
  status: ConfigStatus
  notes: string[]
  instances: number
  rssMb?: number
  processes?: number
  getInstances?: LatencySummary
}

/** Node.js's own TLS cost on this machine, both ends in one process (bench/tls-floor.ts). */
export interface TlsFloorResult {
  node: string
  openssl: string
  handshakes: number
  pairs: number
  /** Main-thread CPU per TLS connection, client and server end together, in us. */
  tlsHandshakeCpuUs: number
  /** The same for a plain TCP connection. */
  tcpConnectCpuUs: number
  /** RSS per held TLS connection (both ends), KB. */
  tlsPairKb: number
  tcpPairKb: number
}

export interface MachineInfo {
  cpuModel: string
  cores: number
  memGb: number
  os: string
  kernel: string
  node: string
  tools: Record<string, string>
  fdLimit: number
  /** 1-minute load average when the run started and when it ended. */
  loadAvgStart?: number
  loadAvgEnd?: number
}

export interface BenchParams {
  quick: boolean
  iperfSeconds: number
  iperfRuns: number
  udpRateMbit: number
  udpLen: number
  newConnCount: number
  reqRespCount: number
  udpEchoCount: number
  concurrency: number[]
}

export interface BenchResult {
  schema: typeof RESULT_SCHEMA
  startedAt: string
  finishedAt: string
  durationS: number
  command: string
  machine: MachineInfo
  params: BenchParams
  configs: ConfigResult[]
  master?: MasterResult
  observability?: ObservabilityResult
  tlsFloor?: TlsFloorResult
}

/** Problems with a parsed result document (empty = fine). Checks the fields the renderer relies on. */
export function checkResultShape(doc: unknown): string[] {
  const problems: string[] = []
  if (typeof doc !== 'object' || doc === null) return ['not an object']
  const d = doc as Record<string, unknown>
  if (d['schema'] !== RESULT_SCHEMA) problems.push(`schema is not ${RESULT_SCHEMA}`)
  for (const k of ['startedAt', 'finishedAt', 'command']) if (typeof d[k] !== 'string') problems.push(`${k} missing`)
  if (typeof d['machine'] !== 'object' || d['machine'] === null) problems.push('machine missing')
  if (typeof d['params'] !== 'object' || d['params'] === null) problems.push('params missing')
  if (!Array.isArray(d['configs'])) {
    problems.push('configs missing')
  } else {
    d['configs'].forEach((c: unknown, i) => {
      const cr = c as Record<string, unknown> | null
      if (typeof cr !== 'object' || cr === null) { problems.push(`configs[${i}] not an object`); return }
      if (typeof cr['name'] !== 'string') problems.push(`configs[${i}].name missing`)
      if (!['ok', 'partial', 'skipped', 'failed'].includes(cr['status'] as string)) problems.push(`configs[${i}].status invalid`)
      if (!Array.isArray(cr['notes'])) problems.push(`configs[${i}].notes missing`)
    })
  }
  return problems
}
