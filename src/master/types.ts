// API shapes of the master (docs/master.md, Instances) and the persisted record behind each instance.
import type { TunnelStats } from '../checkpoint.js'

export type InstanceStatus = 'running' | 'stopped' | 'error'
/** The typed state behind `status` (docs/errors.md): running = starting|ready|degraded; error = error or starting again after one. */
export type InstanceState = 'stopped' | 'starting' | 'ready' | 'degraded' | 'error'

export interface Peer {
  sid: string
  type: string
  alias: string
}

export interface Meta {
  peer: Peer
  tags: Record<string, string>
}

/**
 * What the API returns (mode…udptx from TunnelStats); JSON field order as upstream, our additions last.
 * `********` uses type '' and status ''. state/errorCode/errorMessage/errorHint are additions (docs/errors.md): the
 * typed state, and while the instance is in error or degraded the error's stable code, message and one-line hint
 * ('' otherwise).
 */
export interface InstanceView extends TunnelStats {
  id: string
  alias: string
  type: 'server' | 'client' | ''
  status: InstanceStatus | ''
  url: string
  config: string
  restart: boolean
  meta: Meta
  state: InstanceState | ''
  /** An NP_ERR_* code (src/errors.ts) or ''. A plain string here: the dashboard reads this file too. */
  errorCode: string
  errorMessage: string
  errorHint: string
}

export const COUNTERS = ['tcprx', 'tcptx', 'udprx', 'udptx'] as const
export type Counter = (typeof COUNTERS)[number]

/** One instance as stored in the state file. Totals survive restarts; status is not persisted (load → stopped). */
export interface InstanceRecord {
  id: string
  alias: string
  type: 'server' | 'client'
  url: string
  config: string
  restart: boolean
  meta: Meta
  mode: number
  totals: Record<Counter, number>
}

export interface MasterState {
  version: 1
  masterId: string
  alias: string
  apiKey: string
  instances: InstanceRecord[]
}

export const KEY_ID = '********'

export type EventType = 'initial' | 'create' | 'update' | 'delete' | 'shutdown' | 'log'

export interface MasterInfo {
  mid: string
  alias: string
  os: string
  arch: string
  cpu: number
  mem_total: number
  mem_used: number
  swap_total: number
  swap_used: number
  netrx: number
  nettx: number
  diskr: number
  diskw: number
  sysup: number
  /** The Go NodePass API level we implement (`v1.14.0`): what the panels compare. */
  ver: string
  name: string
  uptime: number
  log: string
  tls: string
  crt: string
  key: string
  /** Our own release version (package.json), added after Go's fields. */
  release: string
}

export function emptyMeta(): Meta {
  return { peer: { sid: '', type: '', alias: '' }, tags: {} }
}

/** One point: bytes moved during [t, t + step) and the peaks seen in it. */
export interface TrafficPoint {
  /** Start of the period, Unix seconds. */
  t: number
  tcprx: number
  tcptx: number
  udprx: number
  udptx: number
  peak_tcps: number
  peak_udps: number
}
