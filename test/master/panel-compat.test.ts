// Replays what NodePassDash 4.0.5 and NodePanel send to a master, and checks every reply and SSE frame with their
// strict decoding rules (panel-schema.ts): all fields present and non-null, Go types (integers where Go has ints),
// `ver` passing NodePassDash's version gates, `log` events with a string `logs`, no SSE frame over 64 KiB, the
// event stream's content type and headers at once with or without Accept, `********` with type "", and the CORS
// preflights a browser (NodePanel) sends.
import assert from 'node:assert/strict'
import { request, type IncomingHttpHeaders } from 'node:http'
import { test, type TestContext } from 'node:test'
import { INFO, INSTANCE, TCPING, assertIntegerLiterals, decodeSseData, decodeStrict, versionAtLeast } from './panel-schema.js'
import { startInProcess } from './helpers.js'
import { freePort, until } from '../helpers/net.js'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A decoded JSON reply after the universal checks: 2xx, JSON content type, only integer number literals. */
function json(r: Reply, what: string): unknown {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: status ${r.status} ${r.text}`)
  assert.match(String(r.headers['content-type']), /^application\/json/, what)
  assertIntegerLiterals(r.text, what)
  return JSON.parse(r.text) as unknown
}

/** NodePassDash's resty client: X-API-Key, and a JSON body with Content-Type application/json. */
function dash(base: string, key: string) {
  return (method: string, path: string, body?: unknown): Promise<Reply> =>
    call(base, method, path, { 'X-API-Key': key, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body === undefined ? undefined : JSON.stringify(body))
}

interface SseStream {
  headersAfterMs: number
  status: number
  headers: IncomingHttpHeaders
  raw: () => string
  close: () => void
}

/** An event stream as r3labs/sse (NodePassDash) or fetch (NodePanel) opens it; `headers` are the request headers. */
function openSse(t: TestContext, base: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const req = request(base + '/events', { headers }, (res) => {
      let raw = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (raw += d))
      res.on('error', () => undefined)
      resolve({ headersAfterMs: Date.now() - started, status: res.statusCode ?? 0, headers: res.headers, raw: () => raw, close: () => req.destroy() })
    })
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)))
    req.end()
    t.after(() => req.destroy())
  })
}

/**
 * Splits a stream the way r3labs/sse does (events end at a blank line; one event must fit its 64 KiB buffer) and
 * Go's bufio.Scanner in NodePassDash's SSE proxy does (a line must fit 64 KiB), then decodes every `data:` payload.
 */
function checkFrames(raw: string, what: string): { type: string; instance: { id: string; type: string } | null; logs: string }[] {
  const out: { type: string; instance: { id: string; type: string } | null; logs: string }[] = []
  const events = raw.split('\n\n')
  events.pop() // an unfinished tail
  for (const [i, ev] of events.entries()) {
    assert.ok(Buffer.byteLength(ev + '\n\n') <= 64 * 1024, `${what}: event ${i} is ${Buffer.byteLength(ev)} bytes`)
    const data = ev.split('\n').filter((l) => l.startsWith('data:'))
    for (const line of ev.split('\n')) assert.ok(Buffer.byteLength(line) < 64 * 1024, `${what}: a line over 64 KiB`)
    if (data.length === 0) continue // retry: and : heartbeat carry no data; r3labs delivers nothing for them
    assert.match(ev, /^event: instance\n/, `${what}: event ${i}`)
    const payload = data.map((l) => l.slice('data:'.length).replace(/^ /, '')).join('\n')
    assertIntegerLiterals(payload, `${what}: event ${i}`)
    const parsed = JSON.parse(payload) as (typeof out)[number]
    decodeSseData(parsed, `${what}: event ${i}`)
    out.push(parsed)
  }
  return out
}

test('NodePassDash 4.0.5: add-master check, instance CRUD, PATCH forms, tcping and SSE all decode strictly', async (t) => {
  const { api } = await startInProcess(t, { sseHeartbeatMs: 200 })
  const base = api.base
  const go = dash(base, api.key)

  // "Add master": /info decodes into EndpointInfoResult and `ver` passes every version gate of the panel
  const info = json(await go('GET', '/info'), 'GET /info') as { ver: string }
  decodeStrict(info, INFO, 'GET /info')
  for (const gate of ['1.10.0', '1.6.0', '1.4.0']) assert.ok(versionAtLeast(info.ver, gate), `ver ${info.ver} < ${gate}`)

  // the add-master SSE probe: Accept: text/event-stream; 200 and exactly this content type, headers within its 8 s
  const probe = await openSse(t, base, { 'X-API-Key': api.key, Accept: 'text/event-stream' })
  assert.equal(probe.status, 200)
  assert.ok(['text/event-stream', 'text/event-stream; charset=utf-8'].includes(String(probe.headers['content-type'])))
  assert.ok(probe.headersAfterMs < 8000, `headers after ${probe.headersAfterMs} ms`)
  probe.close()

  // the long-lived listener (r3labs/sse sends Accept, Cache-Control and Connection)
  const sse = await openSse(t, base, { 'X-API-Key': api.key, Accept: 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
  assert.equal(sse.status, 200)
  assert.equal(sse.headers['content-type'], 'text/event-stream')
  await until(() => checkFrames(sse.raw(), 'initial').some((f) => f.type === 'initial'), 10_000, 'initial burst')

  const [p1, p2] = [await freePort(), await freePort()]
  const created = json(await go('POST', '/instances', { url: `server://127.0.0.1:${p1}/127.0.0.1:${p2}` }), 'POST /instances') as { id: string }
  decodeStrict(created, INSTANCE, 'POST /instances')
  const id = created.id
  const list = json(await go('GET', '/instances'), 'GET /instances') as { id: string; type: string; status: string }[]
  for (const [i, inst] of list.entries()) decodeStrict(inst, INSTANCE, `GET /instances[${i}]`)
  const keyEntry = list.find((i) => i.id === '********')!
  assert.deepEqual([keyEntry.type, keyEntry.status], ['', ''])
  decodeStrict(json(await go('GET', `/instances/${id}`), 'GET one'), INSTANCE, 'GET /instances/{id}')

  // PATCH bodies as patchBody/Meta/models.Peer marshal them (nil *string fields become null)
  const patches: [string, unknown][] = [
    ['rename', { alias: 'web' }],
    ['restart policy', { restart: false }],
    ['tags', { meta: { tags: { env: 'prod', team: 'a' } } }],
    ['peer with nulls', { meta: { peer: { sid: null, type: '7', alias: 'edge' } } }],
    ['peer', { meta: { peer: { sid: '550e8400-e29b-41d4-a716-446655440000', type: '5', alias: null } } }],
    ['last tag removed', { meta: { tags: {} } }],
    ['reset traffic', { action: 'reset' }],
    ['stop', { action: 'stop' }],
    ['start', { action: 'start' }],
    ['restart', { action: 'restart' }],
  ]
  for (const [what, body] of patches) decodeStrict(json(await go('PATCH', `/instances/${id}`, body), what), INSTANCE, `PATCH ${what}`)
  const after = json(await go('GET', `/instances/${id}`), 'GET after PATCH') as { alias: string; restart: boolean; meta: unknown }
  assert.deepEqual([after.alias, after.restart, after.meta], ['web', false,
    { peer: { sid: '550e8400-e29b-41d4-a716-446655440000', type: '5', alias: 'edge' }, tags: {} }])

  // tags as large as an instance may carry still fit one SSE frame
  const tags: Record<string, string> = {}
  for (let i = 0; i < 160; i++) tags[`k${i}`] = 'v'.repeat(250)
  decodeStrict(json(await go('PATCH', `/instances/${id}`, { meta: { tags } }), 'big tags'), INSTANCE, 'PATCH big tags')

  const [p3, p4] = [await freePort(), await freePort()]
  decodeStrict(json(await go('PUT', `/instances/${id}`, { url: `client://127.0.0.1:${p3}/127.0.0.1:${p4}` }), 'PUT'), INSTANCE, 'PUT')
  await until(() => {
    const frames = checkFrames(sse.raw(), 'SSE')
    return frames.some((f) => f.type === 'log' && f.instance?.id === id) &&
      frames.some((f) => f.type === 'update' && f.instance?.id === id && (f.instance as unknown as { tcprx: number }).tcprx > 0)
  }, 15_000, 'a log event and a checkpoint update for the instance')

  // tcping: five single probes, each decoded
  const target = await freePort()
  const tcp = json(await go('GET', `/tcping?target=127.0.0.1:${target}`), 'tcping')
  decodeStrict(tcp, TCPING, 'GET /tcping')

  const del = await go('DELETE', `/instances/${id}`)
  assert.ok(del.status >= 200 && del.status < 300)
  await until(() => checkFrames(sse.raw(), 'SSE').some((f) => f.type === 'delete' && f.instance?.id === id), 10_000, 'delete event')
  await until(() => sse.raw().includes(': heartbeat\n\n'), 10_000, 'a heartbeat')

  // key regeneration ends every stream with `shutdown` (instance null)
  const regen = json(await go('PATCH', '/instances/********', { action: 'restart' }), 'regenerate key')
  decodeStrict(regen, INSTANCE, 'PATCH ********')
  await until(() => checkFrames(sse.raw(), 'SSE').some((f) => f.type === 'shutdown'), 10_000, 'shutdown event')
  const frames = checkFrames(sse.raw(), 'SSE')
  for (const type of ['initial', 'create', 'update', 'log', 'delete', 'shutdown'])
    assert.ok(frames.some((f) => f.type === type), `no ${type} event`)
  assert.equal(frames.find((f) => f.instance?.id === '********')?.instance?.type, '')
})

test('NodePanel in a browser: CORS preflights, JSON on every request, SSE over fetch with and without Accept', async (t) => {
  const { api } = await startInProcess(t)
  const base = api.base
  const origin = 'http://panel.example:3000'
  // fetch() with X-API-Key (and Content-Type on every request, Cache-Control on the event stream) is preflighted
  const preflights: [string, string][] = [
    ['GET', 'content-type,x-api-key'],
    ['POST', 'content-type,x-api-key'],
    ['PATCH', 'content-type,x-api-key'],
    ['DELETE', 'content-type,x-api-key'],
    ['GET', 'cache-control,x-api-key'],
    ['GET', 'accept,cache-control,x-api-key'],
  ]
  for (const path of ['/instances', '/instances/abcd0123', '/events', '/info']) {
    for (const [method, requested] of preflights) {
      const r = await call(base, 'OPTIONS', path, { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requested })
      const what = `OPTIONS ${path} for ${method} with ${requested}`
      assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status}`)
      assert.ok(['*', origin].includes(String(r.headers['access-control-allow-origin'])), what)
      const methods = String(r.headers['access-control-allow-methods']).split(',').map((m) => m.trim().toUpperCase())
      assert.ok(methods.includes(method), `${what}: methods ${methods.join(',')}`)
      const allowed = String(r.headers['access-control-allow-headers']).split(',').map((h) => h.trim().toLowerCase())
      for (const h of requested.split(',')) assert.ok(h === 'accept' || allowed.includes(h), `${what}: header ${h} not allowed`)
    }
  }

  // nodePassApi.request(): Content-Type: application/json on every call, CORS header on every reply
  const panel = (method: string, path: string, body?: unknown): Promise<Reply> =>
    call(base, method, path, { Origin: origin, 'Content-Type': 'application/json', 'X-API-Key': api.key }, body === undefined ? undefined : JSON.stringify(body))
  const [p1, p2] = [await freePort(), await freePort()]
  const steps: [string, string, unknown?][] = [['GET', '/info'], ['GET', '/instances'], ['POST', '/instances', { url: `server://127.0.0.1:${p1}/127.0.0.1:${p2}` }]]
  let id = ''
  for (const [method, path, body] of steps) {
    const r = await panel(method, path, body)
    assert.equal(r.headers['access-control-allow-origin'], '*', `${method} ${path}`)
    const v = json(r, `${method} ${path}`) as { id?: string; ver?: unknown }
    if (path === '/info') assert.equal(typeof v.ver, 'string')
    if (method === 'POST') id = v.id!
  }
  for (const action of ['stop', 'start', 'restart']) {
    const r = await panel('PATCH', `/instances/${id}`, { action })
    decodeStrict(json(r, action), INSTANCE, `PATCH ${action}`)
  }

  // EventLog/InstanceDetailsModal: fetch with Accept and Cache-Control; blocks split on a blank line
  for (const headers of [{ Accept: 'text/event-stream', 'Cache-Control': 'no-cache' }, {}]) {
    const s = await openSse(t, base, { Origin: origin, 'X-API-Key': api.key, ...headers })
    assert.equal(s.status, 200)
    assert.equal(s.headers['content-type'], 'text/event-stream')
    assert.equal(s.headers['access-control-allow-origin'], '*')
    await until(() => checkFrames(s.raw(), 'NodePanel SSE').filter((f) => f.type === 'initial').length >= 2, 10_000, 'initial frames')
    s.close()
  }
  assert.equal((await panel('DELETE', `/instances/${id}`)).status, 204)
})
