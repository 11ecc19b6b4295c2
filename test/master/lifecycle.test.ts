// Instance lifecycle with real worker threads running a stand-in tunnel: actions, traffic totals across restarts and resets, error lines,
// crashes isolated to one worker with restart backoff (D15, D16), PUT and DELETE.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { STEP, crashFakeTunnel } from '../fixtures/master/fake-tunnel.js'
import { until, withTimeout } from '../helpers/net.js'
import { SseClient, startInProcess } from './helpers.js'

test('traffic totals follow checkpoints, survive stop/start and reset', async (t) => {
  const { api } = await startInProcess(t)
  const c = await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  assert.equal(c.status, 201)
  assert.equal(c.json.restart, true)
  assert.equal(c.json.type, 'server')
  const id = c.json.id as string
  assert.match(id, /^[0-9a-f]{8}$/)
  const get = async (): Promise<any> => (await api.req('GET', `/instances/${id}`)).json
  const at3 = await until(async () => {
    const v = await get()
    return v.tcprx >= 3 * STEP.tcprx ? v : undefined
  }, 10_000, '3 checkpoints')
  assert.equal(at3.status, 'running')
  assert.equal(at3.mode, 1)
  assert.equal(at3.tcps, 1)
  // totals are whole multiples of the step, in the fixed ratio of the fake counters
  assert.equal(at3.tcprx % STEP.tcprx, 0)
  assert.equal(at3.tcptx, (at3.tcprx / STEP.tcprx) * STEP.tcptx)
  assert.equal(at3.udptx, (at3.tcprx / STEP.tcprx) * STEP.udptx)

  const stop = await api.req('PATCH', `/instances/${id}`, { action: 'stop' })
  assert.equal(stop.status, 200)
  const stopped = await until(async () => ((await get()).status === 'stopped' ? get() : undefined), 10_000, 'stopped')
  assert.equal(stopped.ping, 0)
  assert.equal(stopped.tcps, 0)
  const kept = stopped.tcprx as number
  assert.ok(kept >= 3 * STEP.tcprx)

  await api.req('PATCH', `/instances/${id}`, { action: 'start' })
  const resumed = await until(async () => {
    const v = await get()
    return v.status === 'running' && v.tcprx > kept ? v : undefined
  }, 10_000, 'grows after restart')
  assert.equal((resumed.tcprx - kept) % STEP.tcprx, 0, 'a new worker counts from its own zero on top of the kept total')

  const reset = await api.req('PATCH', `/instances/${id}`, { action: 'reset' })
  assert.equal(reset.json.tcprx, 0)
  assert.equal(reset.json.udptx, 0)
  const after = await until(async () => {
    const v = await get()
    return v.tcprx > 0 ? v : undefined
  }, 10_000, 'grows after reset')
  assert.ok(after.tcprx < resumed.tcprx + 10 * STEP.tcprx)
  assert.equal(after.tcprx % STEP.tcprx, 0)
  // a second reset does not over-count (upstream's drift is fixed)
  await api.req('PATCH', `/instances/${id}`, { action: 'reset' })
  const again = await until(async () => {
    const v = await get()
    return v.tcprx > 0 ? v : undefined
  }, 10_000, 'grows after 2nd reset')
  assert.ok(again.tcprx <= 3 * STEP.tcprx, `after a second reset the total restarts small (${again.tcprx})`)
})

const CONTROL_LOST = {
  errorCode: 'NP_ERR_CONTROL_LOST',
  errorMessage: 'control: fake failure',
  errorHint: 'the peer stopped or the network dropped: the tunnel reconnects by itself; check the other end',
}
const pick = (v: any): Record<string, string> => ({ errorCode: v.errorCode, errorMessage: v.errorMessage, errorHint: v.errorHint })

test('a typed error state sets `error` with code, message and hint (update, GET, log line); ready sets `running`', async (t) => {
  const { api, lines } = await startInProcess(t)
  const sse = await SseClient.open(t, api)
  const c = await api.req('POST', '/instances', { url: 'client://127.0.0.1:10101/127.0.0.1:2' })
  const id = c.json.id as string
  assert.deepEqual([c.json.state, c.json.errorCode, c.json.errorMessage, c.json.errorHint], ['stopped', '', '', ''])
  const ready = await sse.waitFrame('ready', (f) => f.type === 'update' && f.instance.id === id && f.instance.state === 'ready')
  assert.equal(ready.instance.status, 'running')
  const err = await sse.waitFrame('error update', (f) => f.type === 'update' && f.instance.id === id && f.instance.status === 'error')
  assert.equal(err.instance.state, 'error')
  assert.deepEqual(pick(err.instance), CONTROL_LOST)
  assert.deepEqual([err.instance.ping, err.instance.pool, err.instance.tcps, err.instance.udps], [0, 0, 0, 0])
  // the log line is for people: it carries the same code and hint, and nothing reads it back
  const line = `Client error: control: fake failure [NP_ERR_CONTROL_LOST] hint: ${CONTROL_LOST.errorHint}`
  await sse.waitFrame('error log', (f) => f.type === 'log' && f.instance.id === id && f.logs.includes(line))
  assert.ok(lines.some((l) => l.includes(line) && l.endsWith(`[${id}]`)), 'echoed to the master log')
  const idx = sse.frames.indexOf(err)
  const back = await sse.waitFrame('running again', (f, i) => i > idx && f.type === 'update' && f.instance.id === id && f.instance.status === 'running')
  assert.equal(back.instance.state, 'ready')
  assert.deepEqual(pick(back.instance), { errorCode: '', errorMessage: '', errorHint: '' })
  // no update ever showed `running` between the error and ready: a restart after an error keeps `error`
  const between = sse.frames.slice(idx, sse.frames.indexOf(back)).filter((f) => f.type === 'update' && f.instance.id === id)
  assert.ok(between.every((f) => f.instance.status === 'error'), JSON.stringify(between.map((f) => f.instance.state)))
  // the checkpoint figures travel as typed stats: no CHECK_POINT line is echoed or streamed
  assert.ok(!lines.some((l) => l.includes('CHECK_POINT')))
  assert.ok(!sse.frames.some((f) => f.type === 'log' && f.logs.includes('CHECK_POINT')))
})

test('a degraded tunnel stays `running` with state `degraded` and its error; ready clears it', async (t) => {
  const { api } = await startInProcess(t)
  const sse = await SseClient.open(t, api)
  const id = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:4' })).json.id as string
  const d = await sse.waitFrame('degraded', (f) => f.type === 'update' && f.instance.id === id && f.instance.state === 'degraded')
  assert.equal(d.instance.status, 'running')
  assert.equal(d.instance.errorCode, 'NP_ERR_TARGET_REFUSED')
  assert.equal(d.instance.errorMessage, 'dial 127.0.0.1:4: connect ECONNREFUSED 127.0.0.1:4')
  assert.match(d.instance.errorHint, /^nothing accepts connections there/)
  const got = (await api.req('GET', `/instances/${id}`)).json
  assert.ok(got.state === 'degraded' || got.state === 'ready')
  const i = sse.frames.indexOf(d)
  const r = await sse.waitFrame('ready', (f, j) => j > i && f.type === 'update' && f.instance.id === id && f.instance.state === 'ready')
  assert.equal(r.instance.errorCode, '')
})

test('a crashed worker: error + update, others unaffected, restarted with backoff; no restart when restart=false', async (t) => {
  const { api, lines } = await startInProcess(t)
  const sse = await SseClient.open(t, api)
  const a = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })).json.id as string
  const b = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10102/127.0.0.1:8081' })).json.id as string
  await sse.waitFrame('a running', (f) => f.type === 'update' && f.instance.id === a && f.instance.status === 'running')
  await sse.waitFrame('b running', (f) => f.type === 'update' && f.instance.id === b && f.instance.status === 'running')
  crashFakeTunnel(10101)
  const err = await sse.waitFrame('a error', (f) => f.type === 'update' && f.instance.id === a && f.instance.status === 'error')
  assert.equal(err.instance.errorCode, 'NP_ERR_INSTANCE_CRASHED')
  assert.match(err.instance.errorMessage, new RegExp(`^instance ${a}: `))
  assert.match(err.instance.errorHint, /restarts by itself/)
  const errIdx = sse.frames.indexOf(err)
  // b keeps reporting while a is down
  await sse.waitFrame('b checkpoint after the crash', (f, i) => i > errIdx && f.type === 'update' && f.instance.id === b && f.instance.tcprx > 0)
  assert.equal((await api.req('GET', '/info')).status, 200)
  // back within the first backoff step (1 s) plus start time
  await sse.waitFrame('a running again', (f, i) => i > errIdx && f.type === 'update' && f.instance.id === a && f.instance.status === 'running', 8000)

  await api.req('PATCH', `/instances/${b}`, { restart: false })
  crashFakeTunnel(10102)
  await until(async () => (await api.req('GET', `/instances/${b}`)).json.status === 'error', 10_000, 'b error')
  // The restart decision is made when the worker's death is handled, before `error` is visible: no retry for b.
  assert.ok(lines.some((l) => l.includes(`Instance ${a} restarts in`)), 'a crash with restart=true schedules a retry')
  assert.ok(!lines.some((l) => l.includes(`Instance ${b} restarts in`)), `b was scheduled to restart:\n${lines.join('\n')}`)
  assert.equal((await api.req('GET', `/instances/${b}`)).json.status, 'error')
  // D13: start also starts an instance in error
  await api.req('PATCH', `/instances/${b}`, { action: 'start' })
  await until(async () => (await api.req('GET', `/instances/${b}`)).json.status === 'running', 10_000, 'b running after start')
})

test('an uncaught error inside one instance ends only that worker', async (t) => {
  const { api } = await startInProcess(t)
  const sse = await SseClient.open(t, api)
  const good = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })).json.id as string
  const bad = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10102/127.0.0.1:1' })).json.id as string
  await api.req('PATCH', `/instances/${bad}`, { restart: false })
  const died = await sse.waitFrame('bad error', (f) => f.type === 'update' && f.instance.id === bad && f.instance.status === 'error')
  const i = sse.frames.indexOf(died)
  assert.equal(died.instance.errorCode, 'NP_ERR_INSTANCE_CRASHED')
  assert.match(died.instance.errorMessage, /fake tunnel exploded/)
  await sse.waitFrame('worker ended log', (f) => f.type === 'log' && f.instance.id === bad &&
    /Instance worker ended: instance \w+: Error: fake tunnel exploded \[NP_ERR_INSTANCE_CRASHED\] hint: /.test(f.logs))
  await sse.waitFrame('good still reporting', (f, j) => j > i && f.type === 'update' && f.instance.id === good && f.instance.status === 'running')
})

test('PUT replaces the URL (type may swap) and starts; DELETE stops and removes', async (t) => {
  const { api } = await startInProcess(t)
  const c = await api.req('POST', '/instances', { alias: 'p', url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  const id = c.json.id as string
  await api.req('PATCH', `/instances/${id}`, { action: 'stop' })
  const put = await api.req('PUT', `/instances/${id}`, { url: 'client://127.0.0.1:10101/127.0.0.1:9000' })
  assert.equal(put.status, 200)
  assert.equal(put.json.type, 'client')
  assert.equal(put.json.url, 'client://127.0.0.1:10101/127.0.0.1:9000?log=info')
  assert.equal(put.json.alias, 'p')
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'running after PUT')
  assert.equal((await api.req('DELETE', `/instances/${id}`)).status, 204)
  assert.equal((await api.req('GET', `/instances/${id}`)).status, 404)
  const list = await api.req('GET', '/instances')
  assert.deepEqual(list.json.map((i: any) => i.id), ['********'])
})

test('an instance whose checkpoints stop for 3 × NP_REPORT_INTERVAL becomes `error` with an update', async (t) => {
  const { api } = await startInProcess(t)
  const sse = await SseClient.open(t, api)
  const id = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:3' })).json.id as string
  const cp = await sse.waitFrame('first checkpoint', (f) => f.type === 'update' && f.instance.id === id && f.instance.tcprx > 0)
  const i = sse.frames.indexOf(cp)
  const stale = await sse.waitFrame('stale → error', (f, j) => j > i && f.type === 'update' && f.instance.id === id && f.instance.status === 'error')
  assert.ok(Date.parse(stale.time) - Date.parse(cp.time) >= 3 * 200)
  assert.equal(stale.instance.state, 'error')
  assert.equal(stale.instance.errorCode, 'NP_ERR_INSTANCE_UNRESPONSIVE')
  assert.match(stale.instance.errorMessage, new RegExp(`^instance ${id}: no checkpoint for \\d+s \\(expected every 200ms\\)$`))
})

test('stopping an instance whose tunnel closed but left a timer running ends its worker at once, not after the grace', async (t) => {
  const { master, api } = await startInProcess(t)
  // Target port 5: the fake tunnel's close() settles and leaves a timer behind (see fake-tunnel.ts). Without ending
  // the thread on `stopped`, each stop below would wait for the 5 s stop grace and then terminate it.
  const c = await api.req('POST', '/instances', { alias: 'lingering', url: 'client://127.0.0.1:10101/127.0.0.1:5' })
  const id = c.json.id as string
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'running')
  await withTimeout(api.req('PATCH', `/instances/${id}`, { action: 'stop' }), 3000, 'the stop (the grace is 5 s)')
  await api.req('PATCH', `/instances/${id}`, { action: 'start' })
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'running again')
  await withTimeout(master.close(), 3000, "the master's close (the grace is 5 s)")
})

test('a start sent while a stop is still running is not lost: it runs once the stop is done', async (t) => {
  // Target port 6: close() never settles, so the stop lasts its whole grace (1 s with NP_SHUTDOWN_TIMEOUT 2 s). PATCH
  // stop answers at once; the start below arrives while the instance is still `running` with its worker.
  const { api } = await startInProcess(t, { tunables: { shutdownTimeoutMs: 2000 } })
  const sse = await SseClient.open(t, api)
  const id = (await api.req('POST', '/instances', { alias: 'slow-stop', url: 'client://127.0.0.1:10101/127.0.0.1:6' })).json.id as string
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'running')
  assert.equal((await api.req('PATCH', `/instances/${id}`, { action: 'stop' })).status, 200)
  const start = await api.req('PATCH', `/instances/${id}`, { action: 'start' })
  assert.equal(start.status, 200)
  assert.equal(start.json.status, 'running') // the stop had not finished when the start arrived
  const stopped = await sse.waitFrame('stopped', (f) => f.type === 'update' && f.instance.id === id && f.instance.status === 'stopped')
  const i = sse.frames.indexOf(stopped)
  await sse.waitFrame('running again', (f, j) => j > i && f.type === 'update' && f.instance.id === id && f.instance.status === 'running')
})

test('a worker whose tunnel never finishes closing is terminated within half of NP_SHUTDOWN_TIMEOUT', async (t) => {
  // NP_SHUTDOWN_TIMEOUT 2 s: the stop grace is 1 s (it is 5 s when the timeout allows), and the master's close
  // completes, state saved, well within the timeout.
  const { master, api, lines } = await startInProcess(t, { tunables: { shutdownTimeoutMs: 2000 } })
  const c = await api.req('POST', '/instances', { alias: 'stuck', url: 'client://127.0.0.1:10101/127.0.0.1:6' })
  const id = c.json.id as string
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'running')
  await withTimeout(master.close(), 4000, "the master's close")
  assert.ok(lines.some((l) => l.includes('Instances saved:')), lines.join('\n'))
})
