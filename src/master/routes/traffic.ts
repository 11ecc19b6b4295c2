// /instances/{id}/traffic and /traffic: the master's traffic history (docs/metrics.md).
import { badRequest, methodNotAllowed, notFound } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { RESOLUTIONS } from '../history.js'
import { sendJson } from '../http-util.js'
import { KEY_ID } from '../types.js'

const UNIT: Record<string, number> = { m: 60, h: 3600, d: 86_400 }
const MAX_RANGE = 731 * 86_400
export const MAX_POINTS = 10_000
const RETENTION_TEXT = '1m points cover 48h, 1h points 90d, 1d points 731d'

/** `30m`, `24h`, `7d` → seconds. */
function span(text: string, what: string): number {
  const m = /^(\d{1,6})([mhd])$/.exec(text)
  const v = m ? Number(m[1]) * UNIT[m[2]!]! : 0
  if (v <= 0) throw badRequest(`Invalid ${what}: ${JSON.stringify(text)} (use a number and m, h or d, e.g. 24h)`)
  return v
}

export interface TrafficPlan {
  res: number
  range: number
  step: number
  from: number
  to: number
}

/** Reads `range` (default 24h) and `step` (default: the finest resolution kept that long) from the query. */
export function planQuery(q: URLSearchParams, nowMs: number): TrafficPlan {
  const range = span(q.get('range') ?? '24h', 'range')
  if (range > MAX_RANGE) throw badRequest(`Invalid range: ${q.get('range')} exceeds the 731d kept`)
  const stepText = q.get('step')
  const covers = (i: number): boolean => range <= RESOLUTIONS[i]!.step * RESOLUTIONS[i]!.slots
  let res: number
  let step: number
  if (stepText === null || stepText === '') {
    res = RESOLUTIONS.findIndex((_r, i) => covers(i))
    step = RESOLUTIONS[res]!.step
  } else {
    step = span(stepText, 'step')
    res = RESOLUTIONS.findIndex((r, i) => step % r.step === 0 && covers(i))
    if (res < 0) throw badRequest(`Step ${stepText} is finer than the history kept for range ${q.get('range') ?? '24h'} (${RETENTION_TEXT})`)
  }
  if (range / step + 1 > MAX_POINTS) throw badRequest(`Too many points: range/step must not exceed ${MAX_POINTS}`)
  const to = Math.floor(nowMs / 1000)
  return { res, range, step, from: to - range, to }
}

const head = (p: TrafficPlan): Record<string, number> => ({ range: p.range, step: p.step, from: p.from, to: p.to })

export async function instanceTrafficRoute(ctx: RouteContext, id: string): Promise<void> {
  const { req, res, deps } = ctx
  if (req.method !== 'GET') throw methodNotAllowed()
  if (id === KEY_ID || !deps.manager.has(id)) throw notFound()
  const p = planQuery(ctx.query, Date.now())
  const points = await deps.history.query(id, p.res, p.from, p.to, p.step)
  sendJson(res, 200, { id, ...head(p), points })
}

export async function allTrafficRoute(ctx: RouteContext): Promise<void> {
  const { req, res, deps } = ctx
  if (req.method !== 'GET') throw methodNotAllowed()
  const p = planQuery(ctx.query, Date.now())
  const instances = []
  for (const inst of deps.manager.list()) {
    if (inst.id === KEY_ID) continue
    instances.push({ id: inst.id, points: await deps.history.query(inst.id, p.res, p.from, p.to, p.step) })
  }
  sendJson(res, 200, { ...head(p), instances })
}
