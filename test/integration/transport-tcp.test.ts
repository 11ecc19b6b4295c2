// type=0 TCP pool (one TCP connection per pool entry, TLS 1.3 on top for tls 1/2): the shared tunnel matrix over
// tls=1, and the pool-full answer. tls 0/1/2 × reverse/forward between real processes: tunnel-matrix.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { transportMatrix } from '../helpers/transport-matrix.js'
import { fullPoolDialer } from '../helpers/transport-pair.js'
import { readPoolId } from '../../src/tunnel/pool-ids.js'

transportMatrix('tcp', { tls: { mode: 1 }, halfClose: true, bulkBytes: 16 << 20 })

test('tcp: a full server pool closes a new pool connection without an ID', async (t) => {
  const { transport } = await fullPoolDialer(t, 'tcp')
  const ps = await transport.dial()
  await assert.rejects(readPoolId(ps.stream, 5000), { message: 'pool id: connection closed (pool full?)' })
})
