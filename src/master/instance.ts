// One instance in the master's memory: its stored record, the figures its worker last reported, its worker and
// restart state, and its API view.
import type { ErrorInfo } from '../errors.js'
import type { TunnelState } from '../tunnel/types.js'
import type { InstanceWorker } from './instance-worker.js'
import { OpQueue } from './op-queue.js'
import { startBaseline, type TrafficBaseline } from './traffic.js'
import type { InstanceRecord, InstanceState, InstanceStatus, InstanceView } from './types.js'

export interface Instance {
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
  traffic: TrafficBaseline
  worker: InstanceWorker | undefined
  startedAt: number
  lastCheckPoint: number | undefined
  deleted: boolean
  backoffMs: number
  retry: NodeJS.Timeout | undefined
  ops: OpQueue
  /** Metrics: restarts by the master, and errors by code, since the master started. */
  restarts: number
  errors: Map<string, number>
}

export function newInstance(rec: InstanceRecord, onOpError: (inst: Instance, err: unknown) => void): Instance {
  const inst: Instance = {
    rec,
    status: 'stopped',
    state: 'stopped',
    error: undefined,
    tunnel: undefined,
    ping: 0,
    pool: 0,
    tcps: 0,
    udps: 0,
    traffic: startBaseline(rec.totals),
    worker: undefined,
    startedAt: 0,
    lastCheckPoint: undefined,
    deleted: false,
    backoffMs: 1000,
    retry: undefined,
    ops: new OpQueue((err) => onOpError(inst, err)),
    restarts: 0,
    errors: new Map(),
  }
  return inst
}

/** Counts one error of an instance under its stable code (NP_ERR_…, from the typed state: never from log text). */
export function countError(inst: Instance, code: string): void {
  inst.errors.set(code, (inst.errors.get(code) ?? 0) + 1)
}

/** Zeroes the figures only a live worker reports. */
export function clearFigures(inst: Instance): void {
  inst.ping = inst.pool = inst.tcps = inst.udps = 0
}

export function instanceView(inst: Instance): InstanceView {
  const r = inst.rec
  return {
    id: r.id,
    alias: r.alias,
    type: r.type,
    status: inst.status,
    url: r.url,
    config: r.config,
    restart: r.restart,
    meta: structuredClone(r.meta),
    mode: r.mode,
    ping: inst.ping,
    pool: inst.pool,
    tcps: inst.tcps,
    udps: inst.udps,
    ...r.totals,
    state: inst.state,
    errorCode: inst.error?.code ?? '',
    errorMessage: inst.error?.message ?? '',
    errorHint: inst.error?.hint ?? '',
  }
}

/** The master's own error for an instance (a crash, a stall): status and state `error`, figures zeroed. */
export function setInstanceError(inst: Instance, error: ErrorInfo): void {
  inst.status = 'error'
  inst.state = 'error'
  inst.error = error
  clearFigures(inst)
}

/**
 * Applies the tunnel's typed state: starting/ready/degraded show `running`; `error`, and a restart after one
 * (starting with an error), show `error` until the tunnel is ready again. Returns whether anything visible changed.
 */
export function applyTunnelState(inst: Instance, s: TunnelState): boolean {
  const error = s.state === 'ready' ? undefined : s.error
  const status: InstanceStatus = s.state === 'error' || (s.state === 'starting' && error) ? 'error' : 'running'
  const state: InstanceState = status === 'error' ? 'error' : s.state
  // A tunnel (re)starting has no session yet: the stall check waits for its first checkpoint again.
  if (s.state === 'starting' || s.state === 'error') inst.lastCheckPoint = undefined
  if (inst.status === status && inst.state === state && inst.error?.code === error?.code && inst.error?.message === error?.message)
    return false
  inst.status = status
  inst.state = state
  inst.error = error
  if (status === 'error') clearFigures(inst)
  return true
}

/** Stopped: no state, no error. */
export function setStopped(inst: Instance): void {
  inst.status = 'stopped'
  inst.state = 'stopped'
  inst.error = undefined
  inst.tunnel = undefined
  clearFigures(inst)
}
