import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { closeWhenIdle, createIdleTimer } from '../../src/net/idle.js'
import { tcpServer } from '../helpers/net-fixtures.js'

test('an idle timer fires once after the idle time, and touches push it back', async () => {
  let fired = 0
  const t0 = performance.now()
  const idle = createIdleTimer(150, () => fired++)
  // Touch for ~450 ms: three idle periods during which it must not fire.
  for (let i = 0; i < 9; i++) {
    await new Promise((r) => setTimeout(r, 50))
    idle.touch()
    assert.equal(fired, 0, `fired while active, ${performance.now() - t0}ms in`)
  }
  const deadline = Date.now() + 5000
  while (fired === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal(fired, 1)
  idle.touch()
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(fired, 1, 'it fires only once')
})

test('read=0 never fires; stop() cancels', async () => {
  let fired = 0
  createIdleTimer(0, () => fired++)
  const stopped = createIdleTimer(20, () => fired++)
  stopped.stop()
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(fired, 0)
})

/** A relay pair: client → accepted socket `a`, piped to an echo-less peer `b` (both plain sockets). */
async function pair(t: TestContext, ms: number) {
  let idleFired = false
  let accepted!: (s: Socket) => void
  const got = new Promise<Socket>((r) => (accepted = r))
  const peer = await tcpServer(t, (s) => s.resume())
  const front = await tcpServer(t, (a) => {
    const b = connect(peer.port, '127.0.0.1')
    b.on('error', () => {})
    a.pipe(b)
    closeWhenIdle(a, b, ms, () => (idleFired = true))
    accepted(a)
  })
  const client = connect(front.port, '127.0.0.1')
  client.on('error', () => {})
  t.after(() => client.destroy())
  await once(client, 'connect')
  const a = await got
  return { client, a, fired: () => idleFired }
}

test('read=D closes an idle relayed connection', async (t) => {
  const { a, fired } = await pair(t, 200)
  const t0 = performance.now()
  await once(a, 'close')
  assert.equal(fired(), true)
  assert.ok(performance.now() - t0 >= 150)
})

test('read=D keeps an active connection open', async (t) => {
  const { client, a, fired } = await pair(t, 200)
  for (let i = 0; i < 12; i++) {
    client.write('tick')
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.equal(fired(), false)
  assert.equal(a.destroyed, false, 'an active connection was closed')
  await once(a, 'close')
  assert.equal(fired(), true)
})
