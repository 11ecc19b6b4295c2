// SSE limits: a stalled subscriber's queue is bounded in bytes, not frames, and no
// frame exceeds what NodePassDash's SSE readers accept (64 KiB): instances are capped, long log lines are cut.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { DEFAULT_SSE_QUEUE_BYTES, EventBus, formatFrame } from '../../src/master/events.js'
import { MAX_FRAME_BYTES, MAX_VIEW_BYTES } from '../../src/master/frame-limits.js'
import type { InstanceView } from '../../src/master/types.js'
import { until } from '../helpers/net.js'
import { startInProcess } from './helpers.js'
import { HINTS } from '../../src/errors.js'

const view = (alias = 'v'): InstanceView => ({
  id: 'abcd0123',
  alias,
  type: 'server',
  status: 'running',
  url: 'server://:10101/127.0.0.1:8080',
  config: 'server://:10101/127.0.0.1:8080?log=info',
  restart: true,
  meta: { peer: { sid: '', type: '', alias: '' }, tags: {} },
  mode: 1,
  ping: 0,
  pool: 0,
  tcps: 0,
  udps: 0,
  tcprx: 0,
  tcptx: 0,
  udprx: 0,
  udptx: 0,
  state: 'ready',
  errorCode: '',
  errorMessage: '',
  errorHint: '',
})

test('SSE queue: bounded by bytes — thousands of small frames are kept, large ones disconnect past the bound', async (t) => {
  assert.equal(DEFAULT_SSE_QUEUE_BYTES, 2 * 1024 * 1024)
  const LIMIT = 1024 * 1024
  const bus = new EventBus({ queueBytes: LIMIT, heartbeatMs: 60_000 })
  t.after(() => bus.close())
  const server = createServer((_req, res) => bus.subscribe(res, {}, []))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as AddressInfo
  // the stalled subscriber: sends its request and never reads
  const slow = connect({ host: '127.0.0.1', port })
  t.after(() => slow.destroy())
  let slowClosed = false
  slow.on('close', () => (slowClosed = true))
  slow.on('error', () => undefined)
  slow.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
  slow.pause()
  await until(() => bus.size === 1, 10_000, 'subscribed')

  // Small frames (~300 bytes) until more than 2,000 wait in the queue: the old 1,024-frame bound disconnected here,
  // although they pin only ~600 KB. Loop bounded: the kernel's socket buffers take at most a few MB first.
  let small = 0
  for (; small < 200_000 && (bus.queues()[0]?.frames ?? 0) <= 2000; small++) {
    bus.publish('update', view(`s${small}`))
    if (small % 1000 === 999) await new Promise((r) => setImmediate(r))
  }
  const q = bus.queues()[0]
  assert.ok(q, 'still subscribed after >2,000 queued frames')
  assert.ok(q.frames > 2000 && q.bytes < LIMIT, JSON.stringify(q))

  // Large frames (~40 KB): the subscriber is dropped before its queue passes LIMIT bytes.
  let maxBytes = 0
  for (let i = 0; i < 200 && bus.size === 1; i++) {
    bus.publish('log', view(), 'x'.repeat(40_000))
    maxBytes = Math.max(maxBytes, bus.queues()[0]?.bytes ?? 0)
  }
  assert.equal(bus.size, 0, 'the stalled subscriber was disconnected')
  assert.ok(maxBytes <= LIMIT && maxBytes > LIMIT - 50_000, `max queued ${maxBytes} bytes`)
  slow.resume()
  slow.on('data', () => undefined)
  await until(() => slowClosed, 10_000, 'stalled socket closed')
})

test('formatFrame: a log line too long for one frame is cut with a marker; the frame stays under 64 KiB', () => {
  for (const logs of ['x'.repeat(200_000), '"\\\n\u0001'.repeat(40_000), '日本語'.repeat(30_000), '😀'.repeat(30_000)]) {
    const frame = formatFrame('log', view(), logs)
    assert.ok(Buffer.byteLength(frame) <= MAX_FRAME_BYTES, `${Buffer.byteLength(frame)} bytes`)
    assert.ok(MAX_FRAME_BYTES < 64 * 1024)
    const data = JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as { logs: string }
    assert.ok(data.logs.endsWith(' …[truncated]'))
    assert.ok(logs.startsWith(data.logs.slice(0, -' …[truncated]'.length)))
    assert.ok(Buffer.byteLength(frame) > MAX_FRAME_BYTES - 64, 'the cut keeps as much of the line as fits')
  }
  const short = formatFrame('log', view(), 'short line')
  assert.equal(JSON.parse(short.split('\n')[1]!.slice(6)).logs, 'short line')
})

test('an instance whose JSON would not fit an SSE frame is refused with a 400, and nothing changes', async (t) => {
  const { api } = await startInProcess(t)
  const c = await api.req('POST', '/instances', { url: 'client://127.0.0.1:10101/127.0.0.1:8080' })
  const id = c.json.id as string
  const message = `Instance exceeds maximum size ${MAX_VIEW_BYTES} bytes (url, config, alias and meta as JSON)`
  const tags: Record<string, string> = {}
  for (let i = 0; i < 200; i++) tags[`k${i}`] = 'v'.repeat(250)
  const big = await api.req('PATCH', `/instances/${id}`, { alias: 'changed', meta: { tags } })
  assert.equal(big.status, 400)
  assert.deepEqual(big.json, { error: message, code: 'NP_ERR_BAD_REQUEST', hint: HINTS.NP_ERR_BAD_REQUEST })
  const now = (await api.req('GET', `/instances/${id}`)).json
  assert.equal(now.alias, '')
  assert.deepEqual(now.meta.tags, {})
  // 160 such tags (~42 KB) still fit
  const fit: Record<string, string> = {}
  for (let i = 0; i < 160; i++) fit[`k${i}`] = 'v'.repeat(250)
  assert.equal((await api.req('PATCH', `/instances/${id}`, { meta: { tags: fit } })).status, 200)

  const targets = Array.from({ length: 2500 }, (_, i) => `127.0.0.1:${20000 + i}`).join(',')
  const longUrl = `client://127.0.0.1:10101/${targets}`
  const post = await api.req('POST', '/instances', { url: longUrl })
  assert.deepEqual([post.status, post.json.error], [400, message])
  const put = await api.req('PUT', `/instances/${id}`, { url: longUrl })
  assert.deepEqual([put.status, put.json.error], [400, message])
  assert.equal((await api.req('GET', '/instances')).json.length, 2)
})
