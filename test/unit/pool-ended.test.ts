// A pool connection the peer ends while it is idle (its user connected and closed without a byte: a port probe, a
// health check) must still be claimable when the peer's signal arrives a moment later; one the peer closed outright
// fails a claim at once. Before, both waited NP_POOL_GET_TIMEOUT (5 s), counted as pool errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConnPool } from '../../src/tunnel/pool.js'
import { socketPair, until } from '../helpers/net.js'

test('a connection ended by the peer while idle leaves the idle set but stays claimable, EOF intact', async (t) => {
  const { a, b } = await socketPair(t, { allowHalfOpen: true })
  const pool = new ConnPool()
  t.after(() => pool.close())
  pool.add({ id: '0000abcd', stream: b, socket: b, fp: undefined })
  assert.equal(pool.size, 1)
  a.end()
  await until(() => pool.size === 0, 5000, 'the ended connection leaving the idle set')
  assert.equal(pool.has('0000abcd'), false)
  // acquire() must not hand it out (there is nothing else: it waits and times out).
  await assert.rejects(pool.acquire(50), { code: 'NP_ERR_POOL_EXHAUSTED' })
  const t0 = performance.now()
  const conn = await pool.claim('0000abcd', 5000)
  assert.ok(performance.now() - t0 < 1000, 'claimed at once')
  assert.equal(conn.stream, b)
  assert.equal(b.destroyed, false)
  assert.equal(b.readableEnded, true, 'the EOF is there for the relay to pass on')
  // Still writable: the egress can answer (half-close).
  const got = new Promise<string>((resolve) => {
    let text = ''
    a.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text))
  })
  b.end('bye')
  assert.equal(await got, 'bye')
})

test('a connection closed by the peer before its claim fails the claim at once', async (t) => {
  const { a, b } = await socketPair(t)
  const pool = new ConnPool()
  t.after(() => pool.close())
  pool.add({ id: '0000beef', stream: b, socket: b, fp: undefined })
  a.destroy()
  await until(() => b.destroyed, 5000, 'the pool closing its side')
  const t0 = performance.now()
  await assert.rejects(pool.claim('0000beef', 5000), {
    code: 'NP_ERR_CLOSED',
    message: 'claim 0000beef: closed by the peer before it was claimed',
  })
  assert.ok(performance.now() - t0 < 1000, 'rejected at once, not after the timeout')
})

test('closing the pool closes the ended connections it kept', async (t) => {
  const { a, b } = await socketPair(t, { allowHalfOpen: true })
  const pool = new ConnPool()
  pool.add({ id: '0000f00d', stream: b, socket: b, fp: undefined })
  a.end()
  await until(() => pool.size === 0, 5000, 'ended')
  assert.equal(b.destroyed, false)
  pool.close()
  assert.equal(b.destroyed, true)
})
