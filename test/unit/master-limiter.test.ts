// The /tcping concurrency cap: 10 at once, an 11th waits up to 1 s for a slot, then gives up.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Limiter, TCPING_CONCURRENCY, TCPING_SLOT_WAIT_MS } from '../../src/master/routes/tcping.js'

test('tcping limits: 10 slots, 1 s wait', () => {
  assert.equal(TCPING_CONCURRENCY, 10)
  assert.equal(TCPING_SLOT_WAIT_MS, 1000)
})

test('a waiter gets a freed slot; without one it gives up after waitMs', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const l = new Limiter(2, 1000)
  assert.equal(await l.acquire(), true)
  assert.equal(await l.acquire(), true)
  const third = l.acquire()
  const fourth = l.acquire()
  l.release()
  assert.equal(await third, true)
  assert.equal(l.active, 2)
  t.mock.timers.tick(999)
  let settled = false
  void fourth.then(() => (settled = true))
  await Promise.resolve()
  assert.equal(settled, false)
  t.mock.timers.tick(1)
  assert.equal(await fourth, false)
  assert.equal(l.active, 2)
  l.release()
  l.release()
  assert.equal(l.active, 0)
  assert.equal(await l.acquire(), true)
})
