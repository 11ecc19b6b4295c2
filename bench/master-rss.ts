// Measures the memory of idle instances (D15): N instances as worker threads inside one master process, versus a
// few instances as separate Node processes. Usage: node dist/bench/master-rss.js [N=200] [children=5]
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_TUNABLES } from '../src/env.js'
import { createLogger } from '../src/log.js'
import { startMaster } from '../src/master/index.js'
import { parseUrl } from '../src/url/parse.js'

const N = Number(process.argv[2] ?? 200)
const CHILDREN = Number(process.argv[3] ?? 5)

function rssOf(pid: number | 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const p = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return p
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'np-rss-'))
  const parsed = parseUrl('master://127.0.0.1:0/api?log=warn')
  if (!parsed.ok || parsed.config.role !== 'master') throw new Error('bad url')
  const before = rssOf('self')
  const master = await startMaster(parsed.config, {
    tunables: DEFAULT_TUNABLES,
    stateDir: dir,
    log: createLogger({ level: 'warn' }),
    echo: () => undefined,
  })
  const afterStart = rssOf('self')
  const t0 = Date.now()
  for (let i = 0; i < N; i++) {
    const url = `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`
    await master.manager.create(url, `rss-${i}`)
  }
  for (let i = 0; i < 1200; i++) {
    const running = master.manager.list().filter((v) => v.status === 'running').length
    if (running === N) break
    await new Promise((r) => setTimeout(r, 250))
  }
  const running = master.manager.list().filter((v) => v.status === 'running').length
  const startMs = Date.now() - t0
  await new Promise((r) => setTimeout(r, 5000))
  const withN = rssOf('self')
  console.log(`workers: ${running}/${N} instances running after ${(startMs / 1000).toFixed(1)} s`)
  console.log(`  master RSS: empty process ${mib(before)}, master started ${mib(afterStart)}, with ${N} idle instances ${mib(withN)}`)
  console.log(`  per instance: ${mib((withN - afterStart) / N)}`)
  await master.close()
  await rm(dir, { recursive: true, force: true })

  const bin = new URL('../../bin/nodepass', import.meta.url).pathname
  const kids: ChildProcess[] = []
  for (let i = 0; i < CHILDREN; i++) {
    const url = `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}?log=warn`
    kids.push(spawn(process.execPath, [bin, url], { stdio: 'ignore' }))
  }
  await new Promise((r) => setTimeout(r, 5000))
  const sizes = kids.map((k) => rssOf(k.pid!))
  const total = sizes.reduce((a, b) => a + b, 0)
  console.log(`child processes: ${CHILDREN} idle server processes, RSS ${sizes.map(mib).join(', ')}`)
  console.log(`  per instance: ${mib(total / CHILDREN)}; ${N} would need about ${mib((total / CHILDREN) * N)}`)
  for (const k of kids) k.kill('SIGKILL')
}

await main()
