// Against the real thing: Debian's `prometheus` (installed by .ci/run) scrapes a real master process (Bearer auth,
// 1 s interval) while a server+client pair created through the API carries paced TCP traffic; Prometheus's query
// API must then report increase()/rate() of the byte counter matching the bytes pushed. Also: a standalone
// server:// with NP_METRICS_ADDR serves the per-tunnel families, and a bad NP_METRICS_ADDR is refused at start.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { freePort, sha256, tcpEcho, until } from '../helpers/net.js'
import { BIN, startNodePass, testEnv } from '../helpers/proc.js'

const PROMETHEUS = process.env.NP_PROMETHEUS ?? '/usr/bin/prometheus'

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
  const text = await r.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`${url}: ${r.status} ${text.slice(0, 200)}`)
  }
}

/** Sends `total` bytes in `chunk`-byte writes every `gapMs` through `port` and reads the echo; resolves with its hash. */
function pacedEcho(port: number, payload: Buffer, chunk: number, gapMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    const got: Buffer[] = []
    let n = 0
    let off = 0
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error(`echo incomplete: ${n} of ${payload.length}`))
    }, 120_000)
    s.on('data', (d: Buffer) => {
      got.push(d)
      n += d.length
      if (n >= payload.length) {
        clearTimeout(timer)
        s.end()
        resolve(Buffer.concat(got))
      }
    })
    s.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    const send = (): void => {
      if (off >= payload.length) return
      s.write(payload.subarray(off, off + chunk))
      off += chunk
      setTimeout(send, gapMs)
    }
    s.once('connect', send)
  })
}

test('real Prometheus scrapes the master; increase() and rate() of the byte counter match the bytes pushed', { timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'np-prom-'))
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }))
  const master = startNodePass('master://127.0.0.1:0/api?log=info', testEnv({ NP_STATE_DIR: join(dir, 'state'), NP_REPORT_INTERVAL: '250ms' }), 'master ')
  t.after(() => master.stop())
  const apiLine = await master.waitFor(/^ {2}API:\s+http/)
  const keyLine = await master.waitFor(/API key \(first start/)
  const apiUrl = /(http\S+)/.exec(apiLine)![1]!
  const key = keyLine.replace(/^.*X-API-Key\): /, '').trim()
  const api = (method: string, path: string, body?: unknown): Promise<any> =>
    json(apiUrl + path, {
      method,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })

  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const srv = await api('POST', '/instances', { alias: 'prom-srv', url: `server://127.0.0.1:${tunnelPort}/127.0.0.1:${publicPort}` })
  await api('POST', '/instances', { alias: 'prom-cli', url: `client://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2` })
  const sid = srv.id as string
  await until(async () => (await api('GET', `/instances/${sid}`)).mode > 0, 30_000, 'server checkpoint')

  // Prometheus: 1 s scrapes of <api>/metrics with the key as a Bearer token (what scrape configs send).
  const promPort = await freePort()
  const u = new URL(apiUrl)
  await writeFile(join(dir, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: nodepass',
    `    metrics_path: ${u.pathname}/metrics`,
    '    authorization:',
    `      credentials: ${key}`,
    '    static_configs:',
    `      - targets: ['${u.host}']`,
    '',
  ].join('\n'))
  const prom = spawn(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  const promErr: string[] = []
  prom.stderr.on('data', (d: Buffer) => promErr.push(d.toString()))
  const promExit = new Promise<void>((r) => prom.once('exit', () => r()))
  prom.once('error', (e) => promErr.push(`spawn ${PROMETHEUS}: ${e.message} (install Debian's prometheus package; .ci/run does)`))
  t.after(async () => {
    if (prom.exitCode === null && prom.signalCode === null) prom.kill('SIGTERM')
    await promExit
  })
  const P = `http://127.0.0.1:${promPort}/api/v1`
  const query = async (q: string): Promise<any[]> => {
    const r = await json(`${P}/query?query=${encodeURIComponent(q)}`)
    if (r.status !== 'success') throw new Error(`${q}: ${JSON.stringify(r)}`)
    return r.data.result as any[]
  }
  const sel = `nodepass_instance_traffic_bytes_total{id="${sid}",protocol="tcp",direction="rx"}`
  await until(async () => {
    if (prom.exitCode !== null) throw new Error(`prometheus exited: ${promErr.join('')}`)
    try {
      return (await query(`up{job="nodepass"} == 1`)).length === 1 && (await query(sel)).length > 0
    } catch {
      return false
    }
  }, 60_000, `Prometheus scraping the master (${promErr.join('')})`, 250)

  // 24 MiB at a steady pace over about 12 s, echoed back and checked by hash.
  const N = 24 * 1024 * 1024
  const payload = randomBytes(N)
  const t0 = Date.now()
  const back = await pacedEcho(publicPort, payload, 256 * 1024, 125)
  const pushSeconds = (Date.now() - t0) / 1000
  assert.equal(sha256(back), sha256(payload))
  await until(async () => (await api('GET', `/instances/${sid}`)).tcprx === N, 30_000, 'tcprx = N in the API')
  // the final value has been scraped
  await until(async () => Number((await query(`sum(${sel})`))[0]?.value[1]) === N, 30_000, 'Prometheus sees N', 250)

  // A window that starts before the push and ends now: Prometheus extrapolates at most ~1 scrape interval at the
  // edges, so within 10 % of the bytes pushed.
  const w = Math.ceil((Date.now() - t0) / 1000) + 4
  const inc = Number((await query(`sum(increase(${sel}[${w}s]))`))[0].value[1])
  assert.ok(Math.abs(inc - N) / N < 0.1, `increase over ${w}s = ${inc}, pushed ${N}`)
  const rate = Number((await query(`sum(rate(${sel}[${w}s]))`))[0].value[1])
  assert.ok(Math.abs(rate * w - N) / N < 0.1, `rate over ${w}s = ${rate} B/s (× ${w} s), pushed ${N} in ${pushSeconds} s`)
  // the master's own families arrive too
  assert.equal(Number((await query('nodepass_instances{status="running"}'))[0].value[1]), 2)
  assert.ok((await query('nodepass_api_requests_total{route="/metrics",code="2xx"}')).length === 1)
})

test('standalone server:// with NP_METRICS_ADDR serves per-tunnel metrics; a bad address is refused', async (t) => {
  const port = await freePort()
  const server = startNodePass(`server://127.0.0.1:${port}/127.0.0.1:9?log=info`, testEnv({ NP_METRICS_ADDR: '127.0.0.1:0' }), 'server ')
  t.after(() => server.stop())
  const line = await server.waitFor(/Metrics listening: http:\/\/127\.0\.0\.1:\d+\/metrics/)
  const url = /(http\S+)/.exec(line)![1]!
  const res = await fetch(url)
  assert.equal(res.status, 200)
  const text = await res.text()
  assert.match(text, /^nodepass_instance_traffic_bytes_total\{type="server",mode="\d",protocol="tcp",direction="rx"\} 0$/m)
  assert.match(text, /^nodepass_instance_pool_connections\{type="server",mode="\d"\} \d+$/m)
  assert.match(text, /^process_resident_memory_bytes \d+$/m)
  assert.doesNotMatch(text, /nodepass_instance_status/)
  const chk = spawnSync(process.env.NP_PROMTOOL ?? '/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  assert.equal(chk.status, 0, `${chk.stdout}${chk.stderr}`)
  assert.equal((await fetch(url.replace(/\/metrics$/, '/other'))).status, 404)

  const bad = spawnSync(process.execPath, [BIN, `server://127.0.0.1:${port}/127.0.0.1:9`], {
    env: testEnv({ NP_METRICS_ADDR: 'localhost' }), encoding: 'utf8', timeout: 30_000,
  })
  assert.equal(bad.status, 1)
  assert.match(bad.stderr, /^Error: NP_METRICS_ADDR="localhost": must be host:port such as 127\.0\.0\.1:9100$/m)
})
