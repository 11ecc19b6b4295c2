// Observability figures (issue 15): what GET /metrics costs a master with N instances, and the traffic history's
// disk use and write cost for N instances. `npm run bench -- --tests=observability` runs only these.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FILE_BYTES, TrafficHistory } from '../src/master/history.js'
import type { StartContext } from './forwarders.js'
import { freePort, sleep, startChild, waitForPort, withDescendants } from './procs.js'

export interface ObservabilityResult {
  status: 'ok' | 'failed'
  notes: string[]
  instances: number
  scrape?: {
    bytes: number
    samples: number
    /** Master CPU per scrape (process CPU while scraping back to back, minus the idle rate), ms. */
    cpuMsPerScrape: number
    /** Mean time the master spent answering, from its own latency histogram, ms. */
    serveMs: number
    /** cpuMsPerScrape as a share of one core at one scrape every 5 s. */
    corePctAt5s: number
  }
  history?: {
    fileBytes: number
    apparentMb: number
    allocatedMbAfterDay: number
    flushMs: number
    flushCpuMs: number
    recordsPerFlush: number
    observeUs: number
  }
}

function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300)
}

/** utime + stime of `pid` and its threads, in ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100
}

async function call(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method, headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(30_000) }
  if (body !== undefined) init.body = JSON.stringify(body)
  const r = await fetch(base + path, init)
  return { status: r.status, text: await r.text() }
}

async function scrapeCost(ctx: StartContext, n: number, res: ObservabilityResult, log: (m: string) => void): Promise<void> {
  const port = await freePort()
  const m = startChild('master', process.execPath, [join(ctx.root, 'bin/nodepass'), `master://127.0.0.1:${port}/api?log=warn`], {
    cwd: ctx.root, env: { ...process.env, NP_STATE_DIR: join(ctx.tmp, 'obs-master-state') },
  })
  let key = ''
  const keySeen = new Promise<void>((resolve) => {
    let buf = ''
    m.proc.stdout?.on('data', (d: Buffer) => {
      buf = (buf + d.toString('utf8')).slice(-4096)
      const k = /API key[^:\n]*: ([0-9a-f]{32})/i.exec(buf)
      if (k && key === '') { key = k[1]!; resolve() }
    })
  })
  try {
    await waitForPort(port, 15_000, m)
    await Promise.race([keySeen, sleep(10_000)])
    if (key === '') throw new Error('no API key line on stdout')
    const base = `http://127.0.0.1:${port}/api/v1`
    for (let i = 0; i < n; i++) {
      const p = await freePort()
      const r = await call(base, key, 'POST', '/instances', { alias: `obs-${i}`, url: `client://127.0.0.1:${p}/127.0.0.1:9?mode=1&log=warn` })
      if (r.status !== 201) throw new Error(`POST /instances → ${r.status} ${r.text.slice(0, 200)}`)
    }
    for (let i = 0; i < 120; i++) {
      const text = (await call(base, key, 'GET', '/metrics')).text
      if (new RegExp(`^nodepass_instances\\{status="running"\\} ${n}$`, 'm').test(text)) break
      await sleep(1000)
    }
    log(`observability: ${n} instances up; idle CPU, then 100 scrapes`)
    await sleep(5000)
    const idle0 = cpuMs(m.pid)
    const t0 = Date.now()
    await sleep(10_000)
    const idleRate = (cpuMs(m.pid) - idle0) / (Date.now() - t0)
    const body = (await call(base, key, 'GET', '/metrics')).text
    const before = /^nodepass_api_request_duration_seconds_sum\{route="\/metrics",method="GET"\} (\S+)$/m
    const count = /^nodepass_api_request_duration_seconds_count\{route="\/metrics",method="GET"\} (\S+)$/m
    const s0 = Number(before.exec(body)?.[1] ?? 0)
    const c0 = Number(count.exec(body)?.[1] ?? 0)
    const K = 100
    const c1 = cpuMs(m.pid)
    const t1 = Date.now()
    for (let i = 0; i < K; i++) await call(base, key, 'GET', '/metrics')
    const wall = Date.now() - t1
    const used = cpuMs(m.pid) - c1 - idleRate * wall
    const last = (await call(base, key, 'GET', '/metrics')).text
    const serve = (Number(before.exec(last)?.[1] ?? 0) - s0) / Math.max(1, Number(count.exec(last)?.[1] ?? 0) - c0)
    const perScrape = Math.max(0, used / K)
    res.scrape = {
      bytes: Buffer.byteLength(body),
      samples: body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
      cpuMsPerScrape: perScrape,
      serveMs: serve * 1000,
      corePctAt5s: (perScrape / 5000) * 100,
    }
  } finally {
    const all = withDescendants([m.pid])
    await m.stop()
    for (const p of all) { try { process.kill(p, 'SIGKILL') } catch { /* gone */ } }
  }
}

/** N instances, a checkpoint each every 5 s for a simulated day; a flush every simulated minute. */
async function historyCost(n: number, res: ObservabilityResult): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-hist-'))
  try {
    let now = Date.UTC(2026, 0, 1)
    const h = new TrafficHistory(dir, () => now)
    const totals = Array.from({ length: n }, () => ({ tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 }))
    for (let i = 0; i < n; i++) h.track(`obs${String(i).padStart(5, '0')}`, totals[i]!)
    let observeNs = 0n
    let observes = 0
    let flushMs = 0
    let flushCpu = 0
    let flushes = 0
    const writes0 = h.stats.writes
    for (let minute = 0; minute < 24 * 60; minute++) {
      for (let tick = 0; tick < 12; tick++) {
        now += 5000
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < n; i++) {
          const t = totals[i]!
          t.tcprx += 1000 + i
          t.tcptx += 2000
          h.observe(`obs${String(i).padStart(5, '0')}`, t, 3, 0)
        }
        observeNs += process.hrtime.bigint() - t0
        observes += n
      }
      // time only the flushes of the first hour and the last hour: the rest just ages the files
      if (minute < 60 || minute >= 23 * 60) {
        const c0 = process.cpuUsage()
        const t0 = process.hrtime.bigint()
        await h.flush()
        flushMs += Number(process.hrtime.bigint() - t0) / 1e6
        const c = process.cpuUsage(c0)
        flushCpu += (c.user + c.system) / 1000
        flushes++
      } else {
        await h.flush()
      }
    }
    const records = (h.stats.writes - writes0) / (24 * 60)
    await h.close()
    let allocated = 0
    for (const f of readdirSync(join(dir, 'history'))) allocated += statSync(join(dir, 'history', f)).blocks * 512
    res.history = {
      fileBytes: FILE_BYTES,
      apparentMb: (FILE_BYTES * n) / 1e6,
      allocatedMbAfterDay: allocated / 1e6,
      flushMs: flushMs / flushes,
      flushCpuMs: flushCpu / flushes,
      recordsPerFlush: records,
      observeUs: Number(observeNs) / 1000 / observes,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchObservability(ctx: StartContext, n: number, log: (m: string) => void): Promise<ObservabilityResult> {
  const res: ObservabilityResult = { status: 'ok', notes: [], instances: n }
  try {
    log(`observability: history of ${n} instances over a simulated day`)
    await historyCost(n, res)
  } catch (e) {
    res.status = 'failed'
    res.notes.push(`history: ${errText(e)}`)
  }
  try {
    log(`observability: /metrics with ${n} instances`)
    await scrapeCost(ctx, n, res, log)
  } catch (e) {
    res.status = 'failed'
    res.notes.push(`scrape: ${errText(e)}`)
  }
  return res
}
