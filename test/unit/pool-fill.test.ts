// PoolFiller capacity under demand: with slow dials a tick sees few takes, yet a pool that stands empty while it is
// taken from must grow (more dials in flight), and a full, quiet pool shrinks back to min.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Socket, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { ConnPool, type PoolConn } from '../../src/tunnel/pool.js'
import { PoolFiller, REFILL_DELAY_MS } from '../../src/tunnel/pool-fill.js'
import { readPoolId } from '../../src/tunnel/pool-ids.js'
import { until } from '../helpers/net.js'
import { memLogger } from '../helpers/config.js'

/** A pool server that answers each connection's 4-byte ID only after 600–1400 ms (slow handshakes, spread out). */
async function slowPoolServer(): Promise<{ port: number; close(): Promise<void> }> {
  const socks = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const server = createServer((s) => {
    socks.add(s)
    s.on('error', () => {})
    s.once('close', () => socks.delete(s))
    const timer = setTimeout(() => {
      timers.delete(timer)
      s.write(randomBytes(4))
    }, 600 + Math.random() * 800)
    timers.add(timer)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const t of timers) clearTimeout(t)
      for (const s of socks) s.destroy()
      return new Promise((r) => server.close(() => r()))
    },
  }
}

test('slow dials: an empty pool under steady demand grows capacity beyond min, then shrinks back when quiet', async (t) => {
  const srv = await slowPoolServer()
  t.after(() => srv.close())
  const pool = new ConnPool()
  // What the filler holds at once, counted here as it dials: dials in flight plus idle connections.
  let dialling = 0
  let held = 0
  const filler = new PoolFiller(
    pool,
    async () => {
      dialling++
      held = Math.max(held, dialling + pool.size)
      try {
        const s = connect({ port: srv.port, host: '127.0.0.1' })
        s.on('error', () => {})
        await once(s, 'connect')
        return { id: await readPoolId(s, 5000), stream: s, socket: s, fp: undefined }
      } finally {
        dialling--
      }
    },
    { min: 4, max: 64, minIntervalMs: 100, maxIntervalMs: 300, log: memLogger('warn') },
  )
  t.after(() => {
    filler.stop()
    pool.close()
  })
  filler.start()
  await until(() => pool.size === 4, 10_000, 'pool warmed to min')
  // 64 consumers: each takes a connection, closes it and queues again, so takes always outrun the slow dials.
  let consuming = true
  const consumers = Array.from({ length: 64 }, async () => {
    for (let i = 0; i < 1000 && consuming; i++) {
      const conn = await pool.acquire(30_000).catch(() => undefined)
      if (!conn) return
      conn.stream.destroy()
    }
  })
  let peak = 0
  try {
    // Each tick sees about one take in ten of capacity: judged by takes alone, capacity never got past 8.
    await until(() => (peak = Math.max(peak, filler.capacity)) > 16, 10_000, 'capacity growth under demand')
  } finally {
    consuming = false
  }
  await Promise.all(consumers)
  // Growth means more dials at once (what the capacity is for), and never more than max held at once.
  assert.ok(held > 16, `at most ${held} connections dialling or idle at once: the growth did not reach the dials`)
  assert.ok(held <= 64, `${held} connections dialling or idle at once, above max 64`)
  await until(() => filler.capacity === 4, 30_000, 'capacity shrunk back to min')
})

/** One pool connection to a pool server: connect, then read the 4-byte ID it sends. */
async function dialPool(port: number): Promise<PoolConn> {
  const s = connect({ port, host: '127.0.0.1' })
  s.on('error', () => {})
  await once(s, 'connect')
  return { id: await readPoolId(s, 5000), stream: s, socket: s, fp: undefined }
}

/** A pool server answering each connection's ID at once. */
async function quickPoolServer(): Promise<{ port: number; close(): Promise<void> }> {
  const socks = new Set<Socket>()
  const server = createServer((s) => {
    socks.add(s)
    s.on('error', () => {})
    s.once('close', () => socks.delete(s))
    s.write(randomBytes(4))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of socks) s.destroy()
      return new Promise((r) => server.close(() => r()))
    },
  }
}

/** A filler (not started) over a pool server that answers at once; counts its dials; all closed after the test. */
async function quickFiller(t: TestContext, o: { min: number; max: number; intervalMs: number }): Promise<{ pool: ConnPool; filler: PoolFiller; dials: () => number }> {
  const srv = await quickPoolServer()
  t.after(() => srv.close())
  const pool = new ConnPool()
  let dials = 0
  const filler = new PoolFiller(
    pool,
    async () => {
      dials++
      return dialPool(srv.port)
    },
    { min: o.min, max: o.max, minIntervalMs: o.intervalMs, maxIntervalMs: o.intervalMs, log: memLogger('warn') },
  )
  t.after(() => {
    filler.stop()
    pool.close()
  })
  return { pool, filler, dials: () => dials }
}

/** `n` users one after another, each holding its connection about a millisecond, then giving it back (reuse). */
async function oneUserAtATime(pool: ConnPool, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const conn = await pool.acquire(1000)
    await new Promise((r) => setTimeout(r, 1)) // the user's exchange (a timer fires after 1 ms at the earliest)
    pool.giveBack(conn)
  }
}

test('a take from a pool at least half full is refilled a moment later, not in the taker\'s turn; a burst refills at once', async (t) => {
  const { pool, filler, dials: dialled } = await quickFiller(t, { min: 8, max: 8, intervalMs: 60_000 })
  let busy = true
  filler.busy = () => busy
  filler.start()
  await until(() => pool.size === 8, 10_000, 'pool warmed to min')
  assert.equal(dialled(), 8)
  // One take, pool still 7/8: nothing is dialled in this turn, nor while the session reports users being set up.
  ;(await pool.acquire(1000)).stream.destroy()
  assert.equal(dialled(), 8)
  await new Promise((r) => setTimeout(r, REFILL_DELAY_MS * 2))
  assert.equal(dialled(), 8, 'refill dialled while users were still being set up')
  busy = false
  await until(() => pool.size === 8, 10_000, 'refilled after the delay')
  assert.equal(dialled(), 9)
  // Five takes in one turn leave 3/8, below half: the refills start within that turn.
  for (let i = 0; i < 5; i++) (await pool.acquire(1000)).stream.destroy()
  assert.ok(dialled() > 9, `no dial in the burst's own turn (${dialled()})`)
  await until(() => pool.size === 8, 10_000, 'refilled after the burst')
})

test('connections that come back after their exchange (reuse) are no demand: 400 take-and-return cycles keep capacity at min', async (t) => {
  const { pool, filler, dials } = await quickFiller(t, { min: 4, max: 64, intervalMs: 100 })
  filler.start()
  await until(() => pool.size === 4, 10_000, 'pool warmed to min')
  // One user at a time, about a millisecond each, across four or more of the filler's 100 ms ticks: each tick sees
  // dozens of takes, every one of them returned. Counted as demand, they grew capacity to max (a TLS handshake each).
  await oneUserAtATime(pool, 400)
  assert.equal(filler.capacity, 4)
  // A refill that ran while the one user's connection was out leaves one more than capacity once it is back; the
  // next take then leaves capacity idle, which needs no refill. (Before: capacity and dials went to 64.)
  assert.ok(dials() <= 5, `${dials()} dials for one user at a time`)
  assert.equal(pool.size, dials())
})

test('under reused traffic a grown pool keeps its capacity: quiet is judged by takes, not takes minus returns', async (t) => {
  const { pool, filler } = await quickFiller(t, { min: 4, max: 64, intervalMs: 100 })
  filler.start()
  await until(() => pool.size === 4, 10_000, 'pool warmed to min')
  // A burst of 16 held connections grows capacity; once they come back the pool stands full.
  const held = await Promise.all(Array.from({ length: 16 }, () => pool.acquire(5000)))
  await until(() => filler.capacity > 4, 5000, 'capacity grown by the burst')
  const grown = filler.capacity
  for (const c of held) pool.giveBack(c)
  // Then one user at a time for five or more ticks, every connection returned: busy, not quiet. Judged by takes
  // minus returns (zero), the full pool looked quiet and shrank, trimming the connections just given back.
  await oneUserAtATime(pool, 500)
  assert.equal(filler.capacity, grown)
})
