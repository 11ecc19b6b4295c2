// The dashboard's store: initial/create/update/delete/log frames applied to the instance list, samples, rates, logs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InstanceView } from '../../src/master/types.js'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { HISTORY_MS, LOG_LIMIT, Store } from '../../web/src/store.js'
import type { Frame } from '../../web/src/sse-frames.js'

function view(id: string, over: Partial<InstanceView> = {}): InstanceView {
  return {
    id, alias: '', type: 'server', status: 'running', url: `server://:1/127.0.0.1:2`, config: '', restart: true,
    meta: { peer: { sid: '', type: '', alias: '' }, tags: {} }, state: 'ready', errorCode: '', errorMessage: '', errorHint: '',
    mode: 1, ping: 0, pool: 0, tcps: 0, udps: 0, tcprx: 0, tcptx: 0, udprx: 0, udptx: 0, ...over,
  }
}
const frame = (type: Frame['type'], instance: InstanceView | null, logs = ''): Frame => ({ type, time: '', instance, logs })

/** A store whose listeners run at the next microtask, and a promise for the next time they run. */
function store(): { s: Store; notified: () => Promise<void>; count: () => number } {
  let n = 0
  const s = new Store((fn) => queueMicrotask(fn))
  let wake: (() => void) | undefined
  s.subscribe(() => {
    n++
    wake?.()
  })
  return { s, notified: () => new Promise<void>((r) => (wake = r)), count: () => n }
}

test('create, update and delete change the list; listeners run once for many changes', async () => {
  const { s, notified, count } = store()
  const seen = notified()
  s.apply(frame('create', view('a', { alias: 'one' })), 1000)
  s.apply(frame('create', view('b')), 1000)
  s.apply(frame('update', view('a', { alias: 'uno' })), 1000)
  await seen
  assert.equal(count(), 1)
  assert.deepEqual([...s.instances.keys()], ['a', 'b'])
  assert.equal(s.instances.get('a')?.alias, 'uno')
  s.apply(frame('delete', view('b')), 1000)
  assert.deepEqual([...s.instances.keys()], ['a'])
  assert.equal(s.samples.has('b'), false)
})

test('an event for an unknown id: update adds it, delete and log change nothing', () => {
  const { s } = store()
  s.apply(frame('create', view('a')), 1000)
  s.apply(frame('delete', view('zz')), 1000)
  s.apply(frame('log', view('zz'), 'line\n'), 1000)
  assert.deepEqual([...s.instances.keys()], ['a'])
  assert.equal(s.logs.has('zz'), false)
  s.apply(frame('update', view('new')), 1000)
  assert.deepEqual([...s.instances.keys()], ['a', 'new'])
})

test('frames without an instance and shutdown change nothing', () => {
  const { s } = store()
  s.apply(frame('create', view('a')), 1000)
  for (const t of ['initial', 'create', 'update', 'delete', 'log', 'shutdown'] as const) s.apply(frame(t, null, 'x'), 1000)
  assert.deepEqual([...s.instances.keys()], ['a'])
  assert.deepEqual([...s.logs.keys()], [])
})

test('a fresh initial burst replaces the list once it goes quiet; a resumed stream (no burst) keeps it', async () => {
  const { s, notified } = store()
  s.apply(frame('create', view('keep')), 1000)
  s.apply(frame('create', view('drop')), 1000)
  s.apply(frame('log', view('drop'), 'bye\n'), 1000)
  await notified()
  s.streamOpened()
  const done = notified()
  s.apply(frame('initial', view('keep', { alias: 'k' })), 2000)
  s.apply(frame('initial', view('fresh')), 2000)
  await done
  assert.deepEqual([...s.instances.keys()].sort(), ['fresh', 'keep'])
  assert.equal(s.instances.get('keep')?.alias, 'k')
  assert.equal(s.logs.has('drop'), false)
  s.streamOpened()
  s.apply(frame('update', view('fresh', { alias: 'f' })), 3000)
  assert.deepEqual([...s.instances.keys()].sort(), ['fresh', 'keep'])
})

test('the burst ends at the first frame that is not initial, before that frame applies', () => {
  const { s } = store()
  s.apply(frame('create', view('old')), 1000)
  s.streamOpened()
  s.apply(frame('initial', view('a')), 1000)
  assert.deepEqual([...s.instances.keys()].sort(), ['a', 'old'])
  s.apply(frame('create', view('b')), 1000)
  assert.deepEqual([...s.instances.keys()].sort(), ['a', 'b'])
})

test('the ******** pseudo-instance is kept apart from the list', () => {
  const { s } = store()
  s.apply(frame('initial', view('********', { alias: 'master-alias', type: '', status: '' })), 1000)
  assert.equal(s.keyInstance?.alias, 'master-alias')
  assert.equal(s.instances.size, 0)
})

test('log frames: split into lines, empty ones dropped, the last LOG_LIMIT kept', () => {
  const { s } = store()
  s.apply(frame('create', view('a')), 1000)
  s.apply(frame('log', view('a'), 'one\n\ntwo\n'), 1000)
  assert.deepEqual(s.logs.get('a'), ['one', 'two'])
  s.apply(frame('log', view('a'), Array.from({ length: LOG_LIMIT + 5 }, (_, i) => `l${i}`).join('\n')), 1000)
  const lines = s.logs.get('a')!
  assert.equal(lines.length, LOG_LIMIT)
  assert.equal(lines[0], 'l5')
  assert.equal(lines.at(-1), `l${LOG_LIMIT + 4}`)
})

test('rates from counter deltas; stale after staleMs; samples older than HISTORY_MS dropped', () => {
  const { s } = store()
  s.apply(frame('create', view('a')), 10_000)
  assert.deepEqual(s.rate('a', 10_000), { rx: 0, tx: 0 })
  s.apply(frame('update', view('a', { tcprx: 1000, udprx: 1000, tcptx: 500 })), 12_000)
  assert.deepEqual(s.rate('a', 12_000), { rx: 1000, tx: 250 })
  // A counter reset (traffic reset) gives 0, not a negative rate.
  s.apply(frame('update', view('a')), 14_000)
  assert.deepEqual(s.rate('a', 14_000), { rx: 0, tx: 0 })
  s.apply(frame('update', view('a', { tcprx: 4000 })), 16_000)
  assert.deepEqual(s.rate('a', 16_000), { rx: 2000, tx: 0 })
  assert.deepEqual(s.rate('a', 16_000 + 30_001), { rx: 0, tx: 0 })
  assert.deepEqual(s.rate('unknown', 16_000), { rx: 0, tx: 0 })
  assert.equal(s.samples.get('a')?.length, 4)
  s.apply(frame('update', view('a', { tcprx: 4000 })), 16_000 + HISTORY_MS + 1)
  assert.deepEqual(s.samples.get('a'), [{ t: 16_000 + HISTORY_MS + 1, rx: 4000, tx: 0 }])
})

test('updates closer than 200 ms fold into the last sample', () => {
  const { s } = store()
  s.apply(frame('create', view('a')), 1000)
  s.apply(frame('update', view('a', { tcprx: 10 })), 1100)
  assert.deepEqual(s.samples.get('a'), [{ t: 1000, rx: 10, tx: 0 }])
})
