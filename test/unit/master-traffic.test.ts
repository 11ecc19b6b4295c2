// Traffic totals across worker restarts and resets (src/master/traffic.ts): total = base + raw − reset.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyCheckpoint, resetTraffic, startBaseline, zeroCounters, type Counters } from '../../src/master/traffic.js'

const c = (tcprx: number, tcptx = 0, udprx = 0, udptx = 0): Counters => ({ tcprx, tcptx, udprx, udptx })

test('a fresh worker adds its raw counts to the stored totals', () => {
  const totals = c(100, 200, 3, 4)
  const b = startBaseline(totals)
  applyCheckpoint(b, c(10, 20, 1, 1), totals)
  assert.deepEqual(totals, c(110, 220, 4, 5))
  applyCheckpoint(b, c(25, 20, 1, 2), totals)
  assert.deepEqual(totals, c(125, 220, 4, 6))
  assert.deepEqual(b.lastRaw, c(25, 20, 1, 2))
})

test('the baseline copies the totals: later changes to them do not move the base', () => {
  const totals = c(5)
  const b = startBaseline(totals)
  totals.tcprx = 999
  assert.equal(b.base.tcprx, 5)
})

test('a reset on a running worker makes its current raw count the new zero', () => {
  const totals = c(100)
  const b = startBaseline(totals)
  applyCheckpoint(b, c(40), totals)
  assert.equal(totals.tcprx, 140)
  resetTraffic(b, totals, true)
  assert.deepEqual(totals, zeroCounters())
  applyCheckpoint(b, c(45), totals)
  assert.equal(totals.tcprx, 5)
})

test('a reset with no worker zeroes everything; the next worker counts from zero', () => {
  const totals = c(100, 1, 1, 1)
  const b = startBaseline(totals)
  applyCheckpoint(b, c(40), totals)
  resetTraffic(b, totals, false)
  assert.deepEqual(totals, zeroCounters())
  assert.deepEqual(b.reset, zeroCounters())
  const next = startBaseline(totals)
  applyCheckpoint(next, c(7), totals)
  assert.equal(totals.tcprx, 7)
})

test('a raw count below the reset mark (the worker counted from zero again) drops the mark', () => {
  const totals = c(0)
  const b = startBaseline(totals)
  applyCheckpoint(b, c(50), totals)
  resetTraffic(b, totals, true)
  applyCheckpoint(b, c(8), totals)
  assert.equal(b.reset.tcprx, 0)
  assert.equal(totals.tcprx, 8)
})

test('restart: totals survive as the new base', () => {
  const totals = c(0)
  let b = startBaseline(totals)
  applyCheckpoint(b, c(30), totals)
  b = startBaseline(totals)
  applyCheckpoint(b, c(12), totals)
  assert.equal(totals.tcprx, 42)
})
