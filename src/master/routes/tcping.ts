// /tcping?target=host:port — a TCP connect test, at most 10 at once; a request waits up to 1 s for a slot.
import { connect } from 'node:net'
import { badRequest, methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { sendJson } from '../http-util.js'
import { splitHostPort } from '../../url/address.js'

export const TCPING_CONCURRENCY = 10
export const TCPING_SLOT_WAIT_MS = 1000

/** A counting semaphore whose waiters give up after `waitMs`. */
export class Limiter {
  #active = 0
  readonly #waiters: (() => void)[] = []

  constructor(
    readonly max: number,
    readonly waitMs: number,
  ) {}

  get active(): number {
    return this.#active
  }

  /** true once a slot is held (call release()); false when none freed up within `waitMs`. */
  acquire(): Promise<boolean> {
    if (this.#active < this.max) {
      this.#active++
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        clearTimeout(timer)
        this.#active++
        resolve(true)
      }
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(grant)
        if (i >= 0) this.#waiters.splice(i, 1)
        resolve(false)
      }, this.waitMs)
      this.#waiters.push(grant)
    })
  }

  release(): void {
    this.#active--
    this.#waiters.shift()?.()
  }
}

const limiter = new Limiter(TCPING_CONCURRENCY, TCPING_SLOT_WAIT_MS)

function dial(target: string, timeoutMs: number): Promise<{ connected: boolean; latency: number; error: string | null }> {
  const hp = splitHostPort(target)
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
  if (!(await limiter.acquire())) return sendJson(ctx.res, 200, { target, connected: false, latency: 0, error: 'too many requests' })
  try {
    const r = await dial(target, ctx.deps.tunables.reportIntervalMs)
    sendJson(ctx.res, 200, { target, ...r })
  } finally {
    limiter.release()
  }
}
