// GET /metrics on a master running stand-in tunnels in real worker threads: authentication (X-API-Key, Bearer,
// NP_METRICS_PUBLIC), the families and labels, route templates, errors and restarts, and Debian's `promtool check
// metrics` on the real output (.ci/run installs the prometheus package).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { Exposition, Histogram, escapeLabel } from '../../src/master/prom.js'
import { startInProcess } from './helpers.js'

const PROMTOOL = process.env.NP_PROMTOOL ?? '/usr/bin/promtool'

function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 })
  if (r.error) throw new Error(`${PROMTOOL}: ${r.error.message} (install Debian's prometheus package; .ci/run does)`)
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

/** The value of the one sample whose line starts with `prefix`. */
function value(text: string, prefix: string): number {
  const lines = text.split('\n').filter((l) => l.startsWith(prefix))
  assert.equal(lines.length, 1, `one sample ${prefix}; got ${lines.length}`)
  return Number(lines[0]!.slice(lines[0]!.lastIndexOf(' ') + 1))
}

test('the exposition writer escapes label values and writes cumulative histograms', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd')
  const h = new Histogram([0.1, 1])
  h.observe(0.05)
  h.observe(0.5)
  h.observe(5)
  const exp = new Exposition().family('x_seconds', 'histogram', 'help\nline')
  exp.histogram('x_seconds', { route: '/a' }, h)
  assert.equal(
    exp.text(),
    '# HELP x_seconds help\\nline\n# TYPE x_seconds histogram\n' +
      'x_seconds_bucket{route="/a",le="0.1"} 1\nx_seconds_bucket{route="/a",le="1"} 2\n' +
      'x_seconds_bucket{route="/a",le="+Inf"} 3\nx_seconds_sum{route="/a"} 5.55\nx_seconds_count{route="/a"} 3\n',
  )
  assert.throws(() => exp.family('x_seconds', 'gauge', 'again'), /written twice/)
})

test('/metrics: auth by X-API-Key or Bearer, instance families with labels, route templates, promtool-valid', async (t) => {
  const { api } = await startInProcess(t)
  const a = await api.req('POST', '/instances', { alias: 'we"b\\1', url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  assert.equal(a.status, 201)
  // target port 1: the stand-in tunnel crashes after its first checkpoint; with restart=false it stays in error
  const b = await api.req('POST', '/instances', { url: 'client://127.0.0.1:10101/127.0.0.1:1' })
  const ida = a.json.id as string
  const idb = b.json.id as string
  await api.req('PATCH', `/instances/${idb}`, { restart: false })
  await until(async () => (await api.req('GET', `/instances/${ida}`)).json.tcprx >= 2000, 10_000, 'a counts bytes')
  await until(async () => (await api.req('GET', `/instances/${idb}`)).json.status === 'error', 10_000, 'b in error')

  const noKey = await api.req('GET', '/metrics', undefined, { 'X-API-Key': '' })
  assert.equal(noKey.status, 401)
  assert.equal(noKey.json.error, 'Unauthorized: API key required')
  const wrong = await api.req('GET', '/metrics', undefined, { 'X-API-Key': '', Authorization: 'Bearer 0123' })
  assert.equal(wrong.status, 401)
  assert.equal(wrong.json.error, 'Unauthorized: Invalid API key')
  const basic = await api.req('GET', '/metrics', undefined, { 'X-API-Key': '', Authorization: `Basic ${api.key}` })
  assert.equal(basic.json.error, 'Unauthorized: API key required')
  const post = await api.req('POST', '/metrics', {})
  assert.equal(post.status, 405)
  assert.equal(post.json.error, 'Method not allowed')

  const res = await api.req('GET', '/metrics', undefined, { 'X-API-Key': '', Authorization: `Bearer ${api.key}` })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const text = res.text
  const check = promtool(text)
  assert.equal(check.status, 0, check.out)
  assert.equal(check.out.trim(), '', 'promtool reports no lint problems')

  const la = `id="${ida}",alias="we\\"b\\\\1",type="server",mode="1"`
  assert.ok(value(text, `nodepass_instance_traffic_bytes_total{${la},protocol="tcp",direction="rx"}`) >= 2000)
  assert.ok(value(text, `nodepass_instance_traffic_bytes_total{${la},protocol="udp",direction="tx"}`) >= 40)
  assert.equal(value(text, `nodepass_instance_tcp_connections{${la}}`), 1)
  assert.equal(value(text, `nodepass_instance_ping_seconds{${la}}`), 0.003)
  assert.equal(value(text, `nodepass_instance_status{${la},status="running"}`), 1)
  assert.equal(value(text, `nodepass_instance_status{${la},status="error"}`), 0)
  const lb = `id="${idb}",alias="",type="client",mode="1"`
  assert.equal(value(text, `nodepass_instance_status{${lb},status="error"}`), 1)
  assert.ok(value(text, `nodepass_instance_errors_total{${lb},code="NP_ERR_INSTANCE_CRASHED"}`) >= 1)
  assert.equal(value(text, `nodepass_instances{status="running"}`), 1)
  assert.equal(value(text, `nodepass_instances{status="error"}`), 1)
  // route templates, never raw IDs
  assert.ok(value(text, 'nodepass_api_requests_total{route="/instances/{id}",method="GET",code="2xx"}') >= 2)
  assert.equal(value(text, 'nodepass_api_requests_total{route="/metrics",method="GET",code="4xx"}'), 3)
  assert.ok(!text.includes(`route="/instances/${ida}"`))
  assert.ok(value(text, 'nodepass_api_request_duration_seconds_count{route="/instances",method="POST"}') === 2)
  assert.equal(value(text, 'nodepass_sse_subscribers'), 0)
  assert.ok(value(text, 'process_resident_memory_bytes') > 1e6)
  assert.ok(value(text, 'process_cpu_seconds_total') > 0)
  assert.match(text, /^nodepass_build_info\{version="[^"]+",node="v\d+[^"]*",platform="[^"]+"\} 1$/m)
  assert.ok(!text.includes(api.key), 'the API key never appears in metrics')

  // a restart action counts
  await api.req('PATCH', `/instances/${ida}`, { action: 'restart' })
  const after = (await api.req('GET', '/metrics')).text
  assert.equal(value(after, `nodepass_instance_restarts_total{${la}}`), 1)
})

test('/metrics is public with metricsPublic (NP_METRICS_PUBLIC=1); the rest of the API is not', async (t) => {
  const { api } = await startInProcess(t, { metricsPublic: true })
  const open = await api.req('GET', '/metrics', undefined, { 'X-API-Key': '' })
  assert.equal(open.status, 200)
  assert.match(open.text, /^nodepass_instances\{status="running"\} 0$/m)
  assert.equal((await api.req('GET', '/instances', undefined, { 'X-API-Key': '' })).status, 401)
  // also under <prefix> without /v1
  const bare = await fetch(api.base.replace(/\/v1$/, '') + '/metrics')
  assert.equal(bare.status, 200)
  await bare.text()
})
