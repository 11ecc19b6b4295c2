// Load generators for latency and concurrency (run inside the harness process): all bounded in count and time.
import { connect, type Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { summariseLatency, type LatencySummary } from './stats.js'
import type { ConcurrencyResult } from './results.js'

const HOST = '127.0.0.1'
const ONE = Buffer.from([0x61])

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** One connect → write 1 byte → read the echo → close; resolves with microseconds or an error text. */
function oneConnection(port: number, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const t0 = nowUs()
    let done = false
    const s = connect({ port, host: HOST, noDelay: true })
    const finish = (v: number | string): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      s.destroy()
      resolve(v)
    }
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    s.once('connect', () => s.write(ONE))
    s.once('data', () => finish(nowUs() - t0))
    s.once('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message))
    s.once('close', () => finish('closed before echo'))
  })
}

/** Sequential new-connection latency: count connections or until the time budget runs out. */
export async function newConnectionLatency(port: number, count: number, budgetMs: number): Promise<LatencySummary> {
  const samples: number[] = []
  let failures = 0
  const deadline = Date.now() + budgetMs
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const r = await oneConnection(port, 5000)
    if (typeof r === 'number') samples.push(r); else failures++
  }
  return summariseLatency(samples, failures)
}

/** 1-byte request/response on one connection (after a warm-up), bounded in count and time. */
export function requestResponseLatency(port: number, count: number, budgetMs: number, warmup = 200): Promise<LatencySummary> {
  return new Promise((resolve) => {
    const samples: number[] = []
    let sent = 0
    let t0 = 0
    let finished = false
    const s: Socket = connect({ port, host: HOST, noDelay: true })
    const finish = (failures: number): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      s.destroy()
      resolve(summariseLatency(samples, failures))
    }
    const timer = setTimeout(() => finish(1), budgetMs)
    const deadline = Date.now() + budgetMs
    const next = (): void => {
      if (sent >= count + warmup || Date.now() > deadline) { finish(0); return }
      sent++
      t0 = nowUs()
      s.write(ONE)
    }
    s.on('data', (d) => {
      // One byte out, one byte back; a merged read would carry more than one echo, which cannot happen here.
      const dt = nowUs() - t0
      if (d.length !== 1) { finish(1); return }
      if (sent > warmup) samples.push(dt)
      next()
    })
    s.once('connect', next)
    s.once('error', () => finish(1))
    s.once('close', () => finish(samples.length >= count ? 0 : 1))
  })
}

/**
 * n connections opened at once; each writes 1 byte once connected and waits for its echo. While all are held,
 * `whileHeld` runs (e.g. to read the forwarder's RSS); then every socket is closed and awaited.
 */
export async function concurrentConnections(
  port: number, n: number, timeoutMs: number, whileHeld?: () => Promise<number | undefined>,
): Promise<ConcurrencyResult> {
  const sockets: Socket[] = []
  const errors = new Map<string, number>()
  let echoed = 0
  let failed = 0
  let lastEcho = 0
  const t0 = Date.now()
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    const check = (): void => {
      if (echoed + failed >= n) { clearTimeout(timer); resolve() }
    }
    for (let i = 0; i < n; i++) {
      let state: 'wait' | 'ok' | 'failed' = 'wait'
      const fail = (why: string): void => {
        if (state !== 'wait') return
        state = 'failed'
        failed++
        errors.set(why, (errors.get(why) ?? 0) + 1)
        check()
      }
      const s = connect({ port, host: HOST, noDelay: true })
      sockets.push(s)
      s.once('connect', () => s.write(ONE))
      s.once('data', () => {
        if (state !== 'wait') return
        state = 'ok'
        echoed++
        lastEcho = Date.now()
        check()
      })
      s.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message))
      s.once('close', () => fail('closed before echo'))
    }
  })
  const timedOut = n - echoed - failed
  if (timedOut > 0) errors.set('no echo before the deadline', timedOut)
  const failures = n - echoed
  const timeToLastEchoMs = failures > 0 ? Date.now() - t0 : lastEcho - t0
  let rss: number | undefined
  if (whileHeld !== undefined) rss = await whileHeld()
  // Close everything and wait (bounded) for the closes.
  await new Promise<void>((resolve) => {
    let open = 0
    const timer = setTimeout(resolve, 15_000)
    for (const s of sockets) {
      if (s.destroyed) continue
      open++
      s.once('close', () => { if (--open === 0) { clearTimeout(timer); resolve() } })
      s.destroy()
    }
    if (open === 0) { clearTimeout(timer); resolve() }
  })
  const res: ConcurrencyResult = { connections: n, failures, timeToLastEchoMs }
  if (rss !== undefined) res.rssMb = rss
  if (errors.size > 0) res.errors = [...errors].slice(0, 5).map(([k, v]) => `${v}× ${k}`)
  return res
}

/** 64-byte UDP echo latency on one connected socket; a datagram not answered within 1 s counts as a failure. */
export async function udpEchoLatency(port: number, count: number, budgetMs: number, warmup = 50): Promise<LatencySummary> {
  const sock = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.connect(port, HOST, () => { sock.off('error', reject); resolve() })
  })
  const payload = Buffer.alloc(64, 0x75)
  const samples: number[] = []
  let failures = 0
  const deadline = Date.now() + budgetMs
  let pending: ((v: boolean) => void) | undefined
  sock.on('message', () => { const p = pending; pending = undefined; p?.(true) })
  sock.on('error', () => { /* counted as a missing reply */ })
  for (let i = 0; i < count + warmup && Date.now() < deadline; i++) {
    const t0 = nowUs()
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { pending = undefined; resolve(false) }, 1000)
      pending = (v) => { clearTimeout(timer); resolve(v) }
      sock.send(payload)
    })
    const dt = nowUs() - t0
    if (i < warmup) continue
    if (ok) samples.push(dt); else failures++
  }
  sock.close()
  return summariseLatency(samples, failures)
}

/** Probe: one TCP 1-byte echo through port succeeds within the deadline (retrying). */
export async function waitForEcho(port: number, timeoutMs: number, failure?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const f = failure?.()
    if (f !== undefined) throw new Error(f)
    const r = await oneConnection(port, Math.max(100, Math.min(3000, deadline - Date.now())))
    if (typeof r === 'number') return
    last = r
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new Error(`no echo through port ${port} within ${timeoutMs} ms (${last})`)
}
