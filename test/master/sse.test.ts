// SSE (D14): retry + initial burst, create/update/log/delete in order, heartbeat, slow subscribers disconnected
// without delaying others, key regeneration closes streams after `shutdown`, 401 without the key.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { SseClient, makeApi, startInProcess } from './helpers.js'

test('SSE: initial burst then create, update, log, delete in order', async (t) => {
  const { api } = await startInProcess(t, { sseHeartbeatMs: 100 })
  const pre = await api.req('POST', '/instances', { url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  const sse = await SseClient.open(t, api)
  assert.equal(sse.status, 200)
  await sse.waitFrame('initial for the existing instance', (f) => f.type === 'initial' && f.instance?.id === pre.json.id)
  assert.ok(sse.raw.startsWith('retry: 3000\n\n'))
  const initial = sse.frames.filter((f) => f.type === 'initial')
  assert.deepEqual(initial.map((f) => f.instance.id).sort(), ['********', pre.json.id].sort())
  assert.equal(initial.find((f) => f.instance.id === '********')!.instance.type, '')

  const c = await api.req('POST', '/instances', { alias: 'sse', url: 'server://127.0.0.1:10102/127.0.0.1:8081' })
  const id = c.json.id as string
  const mine = (type: string) => (f: { type: string; instance: any }) => f.type === type && f.instance?.id === id
  await sse.waitFrame('running update', (f) => mine('update')(f) && f.instance.status === 'running')
  await sse.waitFrame('log', (f) => mine('log')(f) && f.logs.includes('Fake server up'))
  await sse.waitFrame('checkpoint update', (f) => mine('update')(f) && f.instance.tcprx > 0)
  assert.equal((await api.req('DELETE', `/instances/${id}`)).status, 204)
  await sse.waitFrame('delete', mine('delete'))
  const order = sse.frames.filter((f) => f.instance?.id === id).map((f) => f.type)
  assert.equal(order[0], 'create')
  assert.equal(order.at(-1), 'delete')
  assert.ok(order.indexOf('log') > 0 && order.indexOf('update') > 0)
  assert.ok(!order.slice(0, -1).includes('delete'))
  // CHECK_POINT lines are never streamed as logs; log frames carry the raw line
  assert.ok(!sse.frames.some((f) => f.type === 'log' && f.logs.includes('CHECK_POINT')))
  const frame = sse.frames.find((f) => f.type === 'log')!
  assert.equal(typeof frame.time, 'string')
  assert.ok(!Number.isNaN(Date.parse(frame.time)))
  await until(() => sse.raw.includes('\n: heartbeat\n\n') || sse.raw.includes(': heartbeat\n\n'), 10_000, 'heartbeat comment')
  // every frame is exactly `event: instance\ndata: <json>\nid: <run>-<seq>\n\n` (the id line: resumable events)
  for (const block of sse.raw.split('\n\n').filter((b) => b.startsWith('event:')))
    assert.match(block, /^event: instance\ndata: \{.*\}\nid: [0-9a-f]{8}-\d+$/)
})

test('SSE: request without the key gets 401', async (t) => {
  const { api } = await startInProcess(t)
  const r = await makeApi(api.base, '').req('GET', '/events')
  assert.equal(r.status, 401)
  assert.equal(r.json.error, 'Unauthorized: API key required')
})

test('SSE: a subscriber that never reads is disconnected and does not delay another', async (t) => {
  const { api } = await startInProcess(t, { sseQueueBytes: 8 })
  const c = await api.req('POST', '/instances', { url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  const id = c.json.id as string
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'running', 10_000, 'instance running')
  await api.req('PATCH', `/instances/${id}`, { restart: false, action: 'stop' })
  await until(async () => (await api.req('GET', `/instances/${id}`)).json.status === 'stopped', 10_000, 'instance stopped')
  // the stalled subscriber: a raw socket that sends the request and never reads
  const url = new URL(api.base)
  const slow = connect({ host: url.hostname, port: Number(url.port) })
  t.after(() => slow.destroy())
  let slowClosed = false
  slow.on('close', () => (slowClosed = true))
  slow.on('error', () => undefined)
  slow.write(`GET ${url.pathname}/events HTTP/1.1\r\nHost: x\r\nX-API-Key: ${api.key}\r\n\r\n`)
  slow.pause()
  const fast = await SseClient.open(t, api)
  await fast.waitFrame('initial', (f) => f.type === 'initial' && f.instance?.id === id)

  // ~42 KB per update frame (under the 48 KiB instance limit); 300 updates ≈ 12.6 MB, far more than the socket
  // buffers of the stalled reader
  const tags: Record<string, string> = {}
  for (let i = 0; i < 160; i++) tags[`k${i}`] = 'v'.repeat(250)
  const total = 300
  for (let i = 0; i < total; i++) {
    const r = await api.req('PATCH', `/instances/${id}`, { alias: `a${i}`, meta: { tags: { ...tags, n: String(i) } } })
    assert.equal(r.status, 200)
  }
  const last = await fast.waitFrame('last update', (f) => f.type === 'update' && f.instance?.alias === `a${total - 1}`, 30_000)
  assert.ok(last)
  const aliases = fast.frames.filter((f) => f.type === 'update' && f.instance.id === id).map((f) => f.instance.alias)
  assert.deepEqual(aliases, Array.from({ length: total }, (_, i) => `a${i}`), 'the reading subscriber got every event in order')
  slow.resume()
  slow.on('data', () => undefined)
  await until(() => slowClosed, 15_000, 'stalled subscriber disconnected')
})

test('SSE: key regeneration sends shutdown, closes every stream, and swaps the key', async (t) => {
  const { api } = await startInProcess(t)
  const a = await SseClient.open(t, api)
  const b = await SseClient.open(t, api)
  await a.waitFrame('initial', (f) => f.type === 'initial')
  await b.waitFrame('initial', (f) => f.type === 'initial')
  const r = await api.req('PATCH', '/instances/********', { action: 'restart' })
  assert.equal(r.status, 200)
  const newKey = r.json.url as string
  assert.match(newKey, /^[0-9a-f]{32}$/)
  assert.notEqual(newKey, api.key)
  for (const s of [a, b]) {
    await s.waitFrame('key update', (f) => f.type === 'update' && f.instance?.id === '********')
    const sd = await s.waitFrame('shutdown', (f) => f.type === 'shutdown')
    assert.equal(sd.instance, null)
    await s.waitEnd()
  }
  assert.equal((await api.req('GET', '/instances')).status, 401)
  const fresh = makeApi(api.base, newKey)
  const list = await fresh.req('GET', '/instances')
  assert.equal(list.status, 200)
  assert.equal(list.json.find((i: any) => i.id === '********').url, newKey)
  // other PATCHes to ******** are ignored
  const ignored = await fresh.req('PATCH', '/instances/********', { alias: 'x', action: 'stop' })
  assert.equal(ignored.status, 200)
  assert.equal(ignored.json.url, newKey)
})
