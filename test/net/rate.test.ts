import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { pipeline } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { createRateLimiter, createThrottle, createTokenBucket, type RateLimiter } from '../../src/net/rate.js'
import { flood, readAll, sha256, tcpServer } from '../helpers/net-fixtures.js'

test('a token bucket starts full and refuses what it does not hold', () => {
  const b = createTokenBucket(1000)
  assert.equal(b.tryTake(600), true)
  assert.equal(b.tryTake(600), false)
  assert.equal(b.tryTake(300), true)
  b.close()
})

test('a lone waiter is woken by the timer, with no other activity (D2)', async () => {
  const b = createTokenBucket(10_000) // 10 KB/s
  assert.equal(b.tryTake(10_000), true)
  const t0 = performance.now()
  await b.take(500) // needs ~50 ms of refill; nothing else ever touches the bucket
  const waited = performance.now() - t0
  assert.ok(waited >= 30, `resolved after ${waited}ms, before the tokens could exist`)
  b.close()
})

test('waiters are served in order and a request larger than the bucket goes into debt', async () => {
  const b = createTokenBucket(1000)
  const order: number[] = []
  await b.take(1500) // more than the capacity: allowed from a full bucket, leaving 500 bytes of debt
  assert.equal(b.tryTake(1), false, 'the debt of the oversized request must be paid first')
  const p2 = b.take(10).then(() => order.push(2))
  const p3 = b.take(10).then(() => order.push(3))
  await Promise.all([p2, p3])
  assert.deepEqual(order, [2, 3])
  b.close()
})

test('close() releases every waiter and refill() serves queued ones', async () => {
  const b = createTokenBucket(100)
  assert.equal(b.tryTake(100), true)
  const waiting = b.take(100)
  b.refill()
  await waiting
  assert.equal(b.tryTake(100), false)
  const stuck = b.take(100)
  b.close()
  await stuck
  assert.equal(b.tryTake(1e9), true, 'a closed bucket no longer limits')
})

test('rate=0 means no limiter, and bad rates are refused', () => {
  assert.equal(createRateLimiter(0), undefined)
  assert.throws(() => createRateLimiter(-1), { message: 'rate must be a whole number of Mbps, got -1' })
  assert.throws(() => createTokenBucket(0), {
    message: 'token bucket rate must be a positive number of bytes per second, got 0',
  })
  const l = createRateLimiter(40)!
  assert.equal(l.read.bytesPerSecond, 5_000_000)
  assert.equal(l.write.bytesPerSecond, 5_000_000)
  l.close()
})

/** A one-way relay client → proxy → sink where the proxy charges the read and write buckets like a tunnel end. */
async function relayThroughput(
  t: TestContext,
  limiter: RateLimiter | undefined,
  burstBytes: number,
  windowMs: number,
): Promise<number> {
  let received = 0
  let windowStart = 0
  let windowBytes = 0
  let resolveWindow!: () => void
  const windowDone = new Promise<void>((r) => (resolveWindow = r))
  const sink = await tcpServer(t, (s) => {
    s.on('data', (c: Buffer) => {
      received += c.length
      // The clock starts once the initial (full-bucket) burst has gone through: the steady rate is measured.
      if (windowStart === 0 && received >= burstBytes) windowStart = performance.now()
      else if (windowStart > 0) {
        windowBytes += c.length
        if (performance.now() - windowStart >= windowMs) resolveWindow()
      }
    })
  })
  const proxy = await tcpServer(t, (user) => {
    const target = connect(sink.port, '127.0.0.1')
    target.on('error', () => {})
    pipeline(user, createThrottle(limiter?.read), createThrottle(limiter?.write), target, () => {})
  })
  const source = await flood(t, proxy.port)
  await windowDone
  const elapsed = performance.now() - windowStart
  source.stop()
  return (windowBytes * 8) / (elapsed / 1000) / 1e6
}

test('rate=40: a 4 s transfer runs at about 40 Mbit/s; without a limit it is much faster', async (t) => {
  const limiter = createRateLimiter(40)!
  t.after(() => limiter.close())
  const limited = await relayThroughput(t, limiter, limiter.read.bytesPerSecond, 4000)
  t.diagnostic(`limited: ${limited.toFixed(1)} Mbit/s`)
  assert.ok(limited >= 40 * 0.6 && limited <= 40 * 1.25, `rate=40 measured ${limited.toFixed(1)} Mbit/s`)
  const free = await relayThroughput(t, undefined, 5_000_000, 1000)
  t.diagnostic(`unlimited: ${free.toFixed(1)} Mbit/s`)
  assert.ok(free > 40 * 2, `without rate the same relay ran at only ${free.toFixed(1)} Mbit/s`)
})

test('throttled relay delivers every byte intact', async (t) => {
  const limiter = createRateLimiter(100)!
  t.after(() => limiter.close())
  const payload = randomBytes(3 * 1024 * 1024)
  let delivered!: (b: Promise<Buffer>) => void
  const got = new Promise<Buffer>((r) => (delivered = r))
  const sink = await tcpServer(t, (s) => delivered(readAll(s)))
  const proxy = await tcpServer(t, (user: Socket) => {
    const target = connect(sink.port, '127.0.0.1')
    target.on('error', () => {})
    pipeline(user, createThrottle(limiter.read), createThrottle(limiter.write), target, () => {})
  })
  const client = connect(proxy.port, '127.0.0.1')
  client.on('error', () => {})
  client.end(payload)
  assert.equal(sha256(await got), sha256(payload))
})
