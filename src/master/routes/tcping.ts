// /tcping?target=host:port — a TCP connect test, at most 10 at once; a request waits up to 1 s for a slot.
import { connect } from 'node:net'
import { badRequest, methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { sendJson } from '../http-util.js'

export const TCPING_CONCURRENCY = 10
export const TCPING_SLOT_WAIT_MS = 1000

let active = 0
const waiters: (() => void)[] = []

async function acquire(): Promise<boolean> {
  if (active < TCPING_CONCURRENCY) {
    active++
    return true
  }
  return new Promise((resolve) => {
    const grant = (): void => {
      clearTimeout(timer)
      active++
      resolve(true)
    }
    const timer = setTimeout(() => {
      const i = waiters.indexOf(grant)
      if (i >= 0) waiters.splice(i, 1)
      resolve(false)
    }, TCPING_SLOT_WAIT_MS)
    waiters.push(grant)
  })
}

function release(): void {
  active--
  waiters.shift()?.()
}

function splitTarget(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(target)
  if (!m) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '', port }
}

function dial(target: string, timeoutMs: number): Promise<{ connected: boolean; latency: number; error: string | null }> {
  const hp = splitTarget(target)
  if (!hp) return Promise.resolve({ connected: false, latency: 0, error: `address ${target}: missing port in address` })
  const t0 = performance.now()
  return new Promise((resolve) => {
    const sock = connect({ host: hp.host || 'localhost', port: hp.port })
    const done = (error: string | null): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve({ connected: error === null, latency: error === null ? Math.round(performance.now() - t0) : 0, error })
    }
    const timer = setTimeout(() => done(`dial tcp ${target}: i/o timeout`), timeoutMs)
    sock.once('connect', () => done(null))
    sock.once('error', (err) => done(`dial tcp ${target}: ${err.message}`))
  })
}

export async function tcpingRoute(ctx: RouteContext): Promise<void> {
  if (ctx.req.method !== 'GET') throw methodNotAllowed()
  const target = ctx.query.get('target') ?? ''
  if (target === '') throw badRequest('Target address required')
  if (!(await acquire())) return sendJson(ctx.res, 200, { target, connected: false, latency: 0, error: 'too many requests' })
  try {
    const r = await dial(target, ctx.deps.tunables.reportIntervalMs)
    sendJson(ctx.res, 200, { target, ...r })
  } finally {
    release()
  }
}
