// ConnPool.acquire waits in line and fails only after NP_POOL_GET_TIMEOUT without progress: every connection the
// pool gains restarts the wait, so a queue longer than one timeout's worth of arrivals is still served.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Socket, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { ConnPool, type PoolConn } from '../../src/tunnel/pool.js'
import { NodePassError } from '../../src/errors.js'

/** `n` real TCP connections on 127.0.0.1 (the client ends), all closed after the test. */
async function sockets(t: TestContext, n: number): Promise<Socket[]> {
  const accepted: Socket[] = []
  const server = createServer((s) => {
    s.on('error', () => {})
    accepted.push(s)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  const clients: Socket[] = []
  for (let i = 0; i < n; i++) {
    const c = connect({ port, host: '127.0.0.1' })
    c.on('error', () => {})
    await once(c, 'connect')
    clients.push(c)
  }
  t.after(async () => {
    for (const s of [...clients, ...accepted]) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
  })
  return clients
}

function conn(i: number, s: Socket): PoolConn {
  return { id: (0x100 + i).toString(16).padStart(8, '0'), stream: s, socket: s, fp: undefined }
}

type Outcome = { ok: true; id: string } | { ok: false; err: unknown; afterMs: number }

function settle(p: Promise<PoolConn>, t0: number): Promise<Outcome> {
  return p.then(
    (c) => ({ ok: true as const, id: c.id }),
    (err: unknown) => ({ ok: false as const, err, afterMs: performance.now() - t0 }),
  )
}

test('a queue longer than one timeout is served while the pool keeps gaining connections', async (t) => {
  const TIMEOUT = 1500
  const GAP = 600 // well under the timeout: each arrival restarts the wait
  const WAITERS = 5 // the last one is served ~3 s after it started waiting: twice the timeout
  const socks = await sockets(t, WAITERS)
  const pool = new ConnPool()
  t.after(() => pool.close())
  const t0 = performance.now()
  const waits = Array.from({ length: WAITERS }, () => settle(pool.acquire(TIMEOUT), t0))
  for (let i = 0; i < WAITERS; i++) {
    await new Promise((r) => setTimeout(r, GAP))
    pool.add(conn(i, socks[i]!))
  }
  const outcomes = await Promise.all(waits)
  // First come, first served: waiter i gets the i-th connection.
  assert.deepEqual(outcomes, socks.map((s, i) => ({ ok: true, id: conn(i, s).id })))
  assert.ok(performance.now() - t0 > TIMEOUT, 'the last waiter waited longer than one timeout in all')
})

test('waiters fail with a timeout once the pool gains nothing for the whole timeout', async (t) => {
  const TIMEOUT = 400
  const socks = await sockets(t, 1)
  const pool = new ConnPool()
  t.after(() => pool.close())
  const t0 = performance.now()
  const first = settle(pool.acquire(TIMEOUT), t0)
  const second = settle(pool.acquire(TIMEOUT), t0)
  pool.add(conn(0, socks[0]!)) // progress for the first waiter only
  assert.deepEqual(await first, { ok: true, id: conn(0, socks[0]!).id })
  const late = await second
  assert.equal(late.ok, false)
  if (late.ok) return
  assert.ok(late.err instanceof NodePassError)
  assert.equal(late.err.message, 'acquire: request timeout')
  assert.equal(late.err.code, 'NP_ERR_POOL_EXHAUSTED')
  assert.ok(late.afterMs >= TIMEOUT - 1, `failed after ${late.afterMs} ms, before the timeout`)
})

test('a waiter that starts after the last arrival still gets its full timeout', async (t) => {
  const TIMEOUT = 400
  const socks = await sockets(t, 1)
  const pool = new ConnPool()
  t.after(() => pool.close())
  pool.add(conn(0, socks[0]!))
  assert.equal((await pool.acquire(TIMEOUT)).id, conn(0, socks[0]!).id)
  await new Promise((r) => setTimeout(r, TIMEOUT + 100)) // the last progress is now older than one timeout
  const t0 = performance.now()
  const late = await settle(pool.acquire(TIMEOUT), t0)
  assert.equal(late.ok, false)
  if (!late.ok) assert.ok(late.afterMs >= TIMEOUT - 1, `failed after ${late.afterMs} ms, before its own timeout`)
})

test('closing the pool rejects every waiter with "pool closed"', async () => {
  const pool = new ConnPool()
  const waits = [pool.acquire(60_000), pool.acquire(60_000), pool.claim('00000abc', 60_000)].map((p) => settle(p, 0))
  pool.close()
  for (const o of await Promise.all(waits)) {
    assert.equal(o.ok, false)
    if (!o.ok) assert.equal((o.err as Error).message, 'pool closed')
  }
  await assert.rejects(pool.acquire(10), { message: 'pool closed' })
})
