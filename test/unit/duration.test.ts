// Go duration parsing at its edges: int64 nanoseconds (time.Duration's limit), fractions truncated to nanoseconds.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_DURATION_NS, formatDuration, parseDuration } from '../../src/duration.js'

test('parseDuration accepts Go syntax up to 2562047h47m16.854775807s and refuses one nanosecond more', () => {
  assert.equal(MAX_DURATION_NS, 9223372036854775807n)
  const ok: [string, number][] = [
    ['0', 0], ['0s', 0], ['+3s', 3000], ['1.5s', 1500], ['.5s', 500], ['5.s', 5000], ['300ms', 300], ['1h30m', 5_400_000],
    ['1µs', 0.001], ['1us', 0.001], ['1ns', 0.000001], ['1.0000000009s', 1000.000000], ['2562047h', 2562047 * 3_600_000],
    ['2562047h47m16.854775807s', Number(9223372036854775807n) / 1e6], ['9223372036854775807ns', Number(9223372036854775807n) / 1e6],
    ['1s'.repeat(100), 100_000],
  ]
  for (const [text, ms] of ok) assert.equal(parseDuration(text), ms, text)
  for (const text of ['2562047h47m16.854775808s', '9223372036854775808ns', '2562048h', '9999999999999h', '1' + '0'.repeat(40) + 's',
    '', '.s', '-1s', '1', '1e3s', '3ss', 's', '1h-1m'])
    assert.equal(parseDuration(text), undefined, text)
})

test('formatDuration still renders what parseDuration reads', () => {
  for (const text of ['5m0s', '1h30m0s', '1.5s', '300ms', '0s']) assert.equal(formatDuration(parseDuration(text)!), text)
})
