// The restart schedule of runTunnel (src/tunnel/retry.ts): 100 ms doubling, capped at 1 s while the peer is
// unreachable and at NP_SERVICE_COOLDOWN otherwise, shortened by up to a fifth at random.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RetrySchedule, peerUnreachable } from '../../src/tunnel/retry.js'
import { ERR, NodePassError } from '../../src/errors.js'

const errno = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code })
const refused = new NodePassError(ERR.HANDSHAKE_FAILED, 'tunnelHandshake: connect ECONNREFUSED', { cause: errno('ECONNREFUSED') })
const badKey = new NodePassError(ERR.HANDSHAKE_FAILED, 'tunnelHandshake: status 401 Unauthorized (wrong tunnel key?)')

test('peerUnreachable: refused, reset, unreachable, timed out or a lost control connection; not a refusal by a live peer', () => {
  assert.equal(peerUnreachable(refused), true)
  for (const code of ['ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']) assert.equal(peerUnreachable(errno(code)), true, code)
  assert.equal(peerUnreachable(new NodePassError(ERR.CONTROL_LOST, 'control: connection closed by peer')), true)
  assert.equal(peerUnreachable(badKey), false)
  assert.equal(peerUnreachable(new NodePassError(ERR.TLS_FINGERPRINT_MISMATCH, 'certificate fingerprint mismatch')), false)
  assert.equal(peerUnreachable(errno('EADDRINUSE')), false)
  assert.equal(peerUnreachable('text'), false)
})

test('while the peer is unreachable: 100, 200, 400, 800 ms, then every 1 s (no jitter drawn)', () => {
  const r = new RetrySchedule(3000, () => 1)
  assert.deepEqual(Array.from({ length: 8 }, () => r.next(refused)), [100, 200, 400, 800, 1000, 1000, 1000, 1000])
})

test('a peer that answers and refuses: doubling up to the cooldown', () => {
  const r = new RetrySchedule(3000, () => 1)
  assert.deepEqual(Array.from({ length: 7 }, () => r.next(badKey)), [100, 200, 400, 800, 1600, 3000, 3000])
})

test('jitter shortens a delay by at most a fifth; reset starts over; a cooldown below 1 s caps everything', () => {
  const low = new RetrySchedule(3000, () => 0)
  assert.deepEqual([low.next(refused), low.next(refused)], [80, 160])
  low.reset()
  assert.equal(low.next(refused), 80)
  const short = new RetrySchedule(200, () => 1)
  assert.deepEqual(Array.from({ length: 4 }, () => short.next(refused)), [100, 200, 200, 200])
  assert.equal(new RetrySchedule(0).next(refused), 0)
})
