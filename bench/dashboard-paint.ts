// Dashboard load with many instances: N stopped instances are written into a state file (a master started
// on it runs none of them: restart=false), then chromium opens the dashboard, signed in, and reports the first
// contentful paint and the time until all N rows are in the DOM.
// Usage: npm run build && node dist/bench/dashboard-paint.js [count=500] [runs=3]
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { startNodePass, testEnv } from '../test/helpers/proc.js'

const count = Number(process.argv[2] ?? 500)
const runs = Number(process.argv[3] ?? 3)
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run']

const stateDir = await mkdtemp(join(tmpdir(), 'np-paint-'))
const env = testEnv({ NP_STATE_DIR: stateDir })
let master = startNodePass('master://127.0.0.1:0/api?log=warn', env)
const key = (await master.waitFor(/API key \(first start/)).replace(/^.*X-API-Key\): /, '').trim()
await master.stop('SIGTERM')
const file = join(stateDir, 'nodepass.json')
const state = JSON.parse(await readFile(file, 'utf8')) as { instances: unknown[] }
for (let i = 0; i < count; i++) {
  const port = 20000 + i
  const server = i % 2 === 0
  const url = server ? `server://:${port}/127.0.0.1:${30000 + i}?log=info` : `client://127.0.0.1:${port}/127.0.0.1:${40000 + i}?log=info`
  state.instances.push({
    id: (0x10000000 + i).toString(16),
    alias: `bench-${String(i).padStart(3, '0')}`,
    type: server ? 'server' : 'client',
    url,
    config: url,
    restart: false,
    meta: { peer: { sid: '', type: '', alias: '' }, tags: { env: ['prod', 'staging', 'dev'][i % 3]!, shard: String(i % 10) } },
    totals: { tcprx: i * 1_000_000, tcptx: i * 2_000_000, udprx: i * 1000, udptx: i * 2000 },
  })
}
await writeFile(file, JSON.stringify(state))
master = startNodePass('master://127.0.0.1:0/api?log=warn', env)
const dash = (await master.waitFor(/Dashboard: http/)).replace(/^.*Dashboard: /, '').trim()

// The stream alone: how long the master takes to deliver the initial burst (count + the key pseudo-instance).
async function burstMs(): Promise<number> {
  const t0 = performance.now()
  const ac = new AbortController()
  const res = await fetch(`${dash}api/v1/events`, { headers: { 'X-API-Key': key }, signal: ac.signal })
  const dec = new TextDecoder()
  let text = ''
  let frames = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += dec.decode(chunk, { stream: true })
    const parts = text.split('\n\n')
    text = parts.pop() ?? ''
    frames += parts.filter((p) => p.includes('"type":"initial"')).length
    if (frames >= count + 1) break
  }
  ac.abort()
  return Math.round(performance.now() - t0)
}
console.log(JSON.stringify({ sseBurstMs: [await burstMs(), await burstMs()] }))

const profile = await mkdtemp(join(tmpdir(), 'np-paint-chromium-'))
const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1400, height: 900 } })
try {
  await ctx.addInitScript(`sessionStorage.setItem('np-api-key', ${JSON.stringify(key)})`)
  const results: { fcp: number; rows: number }[] = []
  for (let r = 0; r < runs; r++) {
    const page = await ctx.newPage()
    page.setDefaultTimeout(60_000)
    await page.goto(dash)
    // Resolved inside the page on the first frame where the list shows every instance (first page rendered).
    const rows = (await page.evaluate<number>(`new Promise((resolve) => {
      const check = () => {
        const c = document.querySelector('[data-testid=count]')
        if (c && c.textContent === '${count} of ${count}' && document.querySelectorAll('[data-testid=instance-row]').length === ${Math.min(count, 100)}) resolve(performance.now())
        else requestAnimationFrame(check)
      }
      check()
    })`))
    const fcp = (await page.evaluate<number>(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1`))
    const sse = (await page.evaluate<number[]>(`['np-stream-open', 'np-burst-done'].map((n) => Math.round(performance.getEntriesByName(n)[0]?.startTime ?? -1))`))
    if (process.env.NP_BENCH_VERBOSE) console.error({ sse })
    results.push({ fcp: Math.round(fcp), rows: Math.round(rows) })
    await page.close()
  }
  console.log(JSON.stringify({ count, runs: results }))
} finally {
  await ctx.close()
  await master.stop('SIGTERM')
  await rm(stateDir, { recursive: true, force: true })
  await rm(profile, { recursive: true, force: true })
}
