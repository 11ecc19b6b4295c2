// One instance in the master's memory: its stored record, the figures its worker last reported, its worker and
// restart state, and its API view.
import type { InstanceWorker } from './instance-worker.js'
import { OpQueue } from './op-queue.js'
import { startBaseline, type TrafficBaseline } from './traffic.js'
import type { InstanceRecord, InstanceStatus, InstanceView } from './types.js'

export interface Instance {
  rec: InstanceRecord
  status: InstanceStatus
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

/** Counts one error of an instance under the stable code its report names (NP_ERR_…), else `unknown`. */
export function countError(inst: Instance, text: string): void {
  const code = /\bNP_ERR_[A-Z0-9_]+/.exec(text)?.[0] ?? 'unknown'
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
  }
}
