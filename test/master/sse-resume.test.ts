// Resumable events: every frame carries `id:`; a reconnect with Last-Event-ID gets exactly the frames it missed
// (same bytes, same order, no `initial` burst), and an ID the journal cannot answer (another run, the future,
// malformed, or older than the bound) gets a fresh `initial` burst.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { until } from '../helpers/net.js'
import { EventBus } from '../../src/master/events.js'
import { emptyMeta, type InstanceView } from '../../src/master/types.js'
import { SseClient, startInProcess, type Api } from './helpers.js'

/** Complete frames (blocks with a data line) of a raw stream, as text, with their ids. */
function blocks(raw: string): { id: string; text: string; type: string }[] {
  const out: { id: string; text: string; type: string }[] = []
  for (const b of raw.split('\n\n').slice(0, -1)) {
    const data = b.split('\n').find((l) => l.startsWith('data: '))
    if (!data) continue
    out.push({ id: /^id: (.*)$/m.exec(b)?.[1] ?? '', text: b, type: (JSON.parse(data.slice(6)) as { type: string }).type })
  }
  return out
}

test('every frame carries an id after its event and data lines; initial frames carry the newest id', async (t) => {
  const { api } = await startInProcess(t)
  const a = await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  const sse = await SseClient.open(t, api)
  await sse.waitFrame('update', (f) => f.type === 'update' && f.instance.id === a.json.id)
  const bs = blocks(sse.raw)
  assert.ok(bs.length >= 3)
  for (const b of bs) {
    assert.match(b.text, /^event: instance\ndata: \{.*\}\nid: [0-9a-f]{8}-\d+$/)
  }
  const initial = bs.filter((b) => b.type === 'initial')
  assert.equal(initial.length, 2, 'key entry and the instance')
  assert.equal(new Set(initial.map((b) => b.id)).size, 1)
  const seqs = bs.filter((b) => b.type !== 'initial').map((b) => Number(b.id.split('-')[1]))
  assert.ok(seqs[0]! > Number(initial[0]!.id.split('-')[1]))
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'ids count up by one')
})

async function resume(t: Parameters<typeof SseClient.open>[0], api: Api, id: string): Promise<SseClient> {
  return SseClient.open(t, api, { 'Last-Event-ID': id })
}

test('Last-Event-ID replays exactly the missed frames; unknown, foreign and future ids get an initial burst', async (t) => {
  const { api, master } = await startInProcess(t)
  const id = (await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })).json.id as string
  const watcher = await SseClient.open(t, api)
  const first = await SseClient.open(t, api)
  await first.waitFrame('an update', (f) => f.type === 'update' && f.instance.id === id)
  first.close()
  const last = blocks(first.raw).at(-1)!.id
  // while disconnected: updates, log lines and aliases change
  for (let i = 0; i < 5; i++) await api.req('PATCH', `/instances/${id}`, { alias: `a${i}` })
  await watcher.waitFrame('last alias', (f) => f.type === 'update' && f.instance.alias === 'a4')

  const again = await resume(t, api, last)
  await again.waitFrame('last alias', (f) => f.type === 'update' && f.instance.alias === 'a4')
  // up to the frame with the last alias: both streams have it (the watcher saw it before the resume began)
  const all = blocks(again.raw)
  const got = all.slice(0, all.findIndex((b) => b.type === 'update' && b.text.includes('"alias":"a4"')) + 1)
  assert.equal(got.filter((b) => b.type === 'initial').length, 0, 'no initial burst on a resume')
  const w = blocks(watcher.raw)
  const from = w.findIndex((b) => b.id === last)
  assert.ok(from >= 0, 'the watcher saw the last id')
  const expected = w.slice(from + 1, from + 1 + got.length)
  assert.deepEqual(got.map((b) => b.text), expected.map((b) => b.text), 'the same frames, byte for byte, in order')
  assert.ok(got.some((b) => b.type === 'update' && b.text.includes('"alias":"a0"')))

  for (const bad of ['00000000-1', `${last.split('-')[0]}-99999999`, 'garbage', '']) {
    const c = await resume(t, api, bad)
    await c.waitFrame('initial burst', (f) => f.type === 'initial' && f.instance.id === id)
    assert.equal(c.frames[0]!.type, 'initial', bad)
    c.close()
  }
  const metrics = (await api.req('GET', '/metrics')).text
  assert.match(metrics, /^nodepass_sse_resumes_total\{result="replayed"\} 1$/m)
  assert.match(metrics, /^nodepass_sse_resumes_total\{result="initial"\} 3$/m)
  await until(() => !watcher.ended && master !== undefined, 10_000, 'watcher still open')
})

test('the journal is bounded: an id older than the bound gets a fresh initial burst', async (t) => {
  const bus = new EventBus({ journalFrames: 5, heartbeatMs: 60_000 })
  t.after(() => bus.close())
  const inst: InstanceView = {
    id: 'abcd0123', alias: '', type: 'server', status: 'running', url: 'server://:1/x:2', config: '', restart: true,
    meta: emptyMeta(), mode: 0, ping: 0, pool: 0, tcps: 0, udps: 0, tcprx: 0, tcptx: 0, udprx: 0, udptx: 0,
    state: 'ready', errorCode: '', errorMessage: '', errorHint: '',
  }
  const server = createServer((req, res) => bus.subscribe(res, {}, () => [inst], req.headers['last-event-id'] as string | undefined))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  server.on('connection', (s) => t.after(() => s.destroy()))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const api: Api = { base, key: '', req: () => Promise.reject(new Error('unused')) }
  const a = await SseClient.open(t, api)
  await a.waitFrame('initial', (f) => f.type === 'initial')
  for (let i = 0; i < 3; i++) bus.publish('update', { ...inst, alias: `u${i}` })
  await a.waitFrame('u2', (f) => f.instance?.alias === 'u2')
  const ids = blocks(a.raw).map((b) => b.id)
  const run = ids[0]!.split('-')[0]
  assert.deepEqual(ids, [`${run}-0`, `${run}-1`, `${run}-2`, `${run}-3`])
  // 3 frames journaled; the frame after seq 0 is still there
  const b = await SseClient.open(t, api, { 'Last-Event-ID': `${run}-0` })
  await b.waitFrame('u2', (f) => f.instance?.alias === 'u2')
  assert.deepEqual(b.frames.map((f) => f.instance.alias), ['u0', 'u1', 'u2'])
  for (let i = 3; i < 10; i++) bus.publish('update', { ...inst, alias: `u${i}` })
  // seq 10 (u9) is newest and the journal holds seq 6..10: a client at 5 or later resumes, one at 4 does not
  const c = await SseClient.open(t, api, { 'Last-Event-ID': `${run}-5` })
  await c.waitFrame('u9', (f) => f.instance?.alias === 'u9')
  assert.deepEqual(c.frames.map((f) => f.instance.alias), ['u5', 'u6', 'u7', 'u8', 'u9'])
  const d = await SseClient.open(t, api, { 'Last-Event-ID': `${run}-4` })
  const init = await d.waitFrame('initial', () => true)
  assert.equal(init.type, 'initial')
  assert.match(d.raw, new RegExp(`\\nid: ${run}-10\\n\\n$`))
})
