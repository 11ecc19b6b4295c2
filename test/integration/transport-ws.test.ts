// type=2 WebSocket pool: the tunnel matrix over wss (tls=1) and plain ws (tls=0), and the pool-full answer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { wsUrl } from '../../src/transport/ws.js'
import { transportMatrix } from '../helpers/transport-matrix.js'
import { fullPoolDialer, startPair, udpEchoSizes } from '../helpers/transport-pair.js'
import { tcpEchoExact } from '../helpers/net.js'

transportMatrix('ws', { tls: { mode: 1 }, halfClose: false, bulkBytes: 16 << 20 })

test('ws over tls=0 (plain ws://) carries TCP and UDP', async (t) => {
  const p = await startPair(t, { type: 'ws', tls: { mode: 0 } })
  const r = await tcpEchoExact(p.publicPort, 4 << 20)
  assert.equal(r.got, r.sent)
  await udpEchoSizes(p.publicPort, [1, 100, 8192])
})

test('ws URL: ws:// for tls=0, wss:// for tls 1/2 and for port 443', () => {
  assert.equal(wsUrl({ host: 'example.com', port: 10101, tls: { mode: 0 } }), 'ws://example.com:10101/')
  assert.equal(wsUrl({ host: 'example.com', port: 443, tls: { mode: 0 } }), 'wss://example.com:443/')
  assert.equal(wsUrl({ host: '::1', port: 10101, tls: { mode: 1 } }), 'wss://[::1]:10101/')
  assert.equal(wsUrl({ host: 'h', port: 1, tls: { mode: 2, servername: 'h' } }), 'wss://h:1/')
})

test('ws: a full server pool answers HTTP 503 pool full', async (t) => {
  const { pair: p, transport } = await fullPoolDialer(t, 'ws')
  await assert.rejects(transport.dial(), { message: `dial wss://127.0.0.1:${p.tunnelPort}/: HTTP 503: pool full` })
})
