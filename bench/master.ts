// Master figures: RSS of a master running N idle instances, and GET /instances latency with them.
// Skipped with a note when master:// does not work (yet).
import { join } from 'node:path'
import { freePort, rssMb, sleep, startChild, waitForPort, withDescendants } from './procs.js'
import { summariseLatency } from './stats.js'
import type { MasterResult } from './results.js'
import type { StartContext } from './forwarders.js'

function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300)
}

async function api(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const init: RequestInit = { method, headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(10_000) }
  if (body !== undefined) init.body = JSON.stringify(body)
  const r = await fetch(base + path, init)
  const text = await r.text()
  let json: unknown = text
  try { json = JSON.parse(text) } catch { /* keep text */ }
  return { status: r.status, json }
}

export async function benchMaster(ctx: StartContext, instances: number, log: (m: string) => void): Promise<MasterResult> {
  const res: MasterResult = { status: 'ok', notes: [], instances }
  const port = await freePort()
  const m = startChild('master', process.execPath, [join(ctx.root, 'bin/nodepass'), `master://127.0.0.1:${port}/api?log=info`], {
    cwd: ctx.root, env: { ...process.env, NP_STATE_DIR: join(ctx.tmp, 'master-state') },
  })
  let key = ''
  const keySeen = new Promise<void>((resolve) => {
    let buf = ''
    m.proc.stdout?.on('data', (d: Buffer) => {
      if (key !== '') return
      buf = (buf + d.toString('utf8')).slice(-4096)
      const k = /API key[^:\n]*: ([0-9a-f]{32})/i.exec(buf)
      if (k) { key = k[1]!; resolve() }
    })
  })
  const stop = async (): Promise<void> => {
    const all = withDescendants([m.pid])
    await m.stop()
    for (const p of all) { try { process.kill(p, 'SIGKILL') } catch { /* gone */ } }
  }
  try {
    await waitForPort(port, 15_000, m)
    await Promise.race([keySeen, sleep(10_000)])
    if (key === '') throw new Error('no API key line on stdout')
    const base = `http://127.0.0.1:${port}/api/v1`
    const ids: string[] = []
    const t0 = Date.now()
    for (let i = 0; i < instances; i++) {
      const p = await freePort()
      const r = await api(base, key, 'POST', '/instances', { alias: `bench-${i}`, url: `client://127.0.0.1:${p}/127.0.0.1:9?mode=1&log=warn` })
      if (r.status !== 201) throw new Error(`POST /instances → ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`)
      ids.push((r.json as { id: string }).id)
    }
    // Wait (bounded) until every instance reports running.
    let running = 0
    for (let i = 0; i < 240 && Date.now() - t0 < 180_000; i++) {
      const r = await api(base, key, 'GET', '/instances')
      const list = Array.isArray(r.json) ? (r.json as Array<{ id: string; status: string }>) : []
      running = list.filter((x) => ids.includes(x.id) && x.status === 'running').length
      if (running === instances) break
      await sleep(500)
    }
    log(`master: ${running}/${instances} instances running after ${Date.now() - t0} ms`)
    if (running < instances) { res.status = 'partial'; res.notes.push(`only ${running}/${instances} instances reached "running"`) }
    await sleep(3000)
    res.rssMb = rssMb([m.pid])
    res.processes = withDescendants([m.pid]).length
    const samples: number[] = []
    let failures = 0
    const deadline = Date.now() + 60_000
    for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
      const s = process.hrtime.bigint()
      const r = await api(base, key, 'GET', '/instances')
      const us = Number((process.hrtime.bigint() - s) / 1000n)
      if (r.status === 200) samples.push(us); else failures++
    }
    res.getInstances = summariseLatency(samples, failures)
  } catch (e) {
    res.status = 'skipped'
    res.notes.push(`master not measured: ${errText(e)}${m.proc.exitCode !== null ? ` (exited: ${m.tail().slice(-200)})` : ''}`)
  } finally {
    await stop()
  }
  return res
}
