// type=2 WebSocket pool: the tunnel matrix over wss (tls=1) and plain ws (tls=0), and the pool-full answer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadTransport } from '../../src/transport/index.js'
import { wsUrl } from '../../src/transport/ws.js'
import { transportMatrix } from '../helpers/transport-matrix.js'
import { startPair, udpEchoSizes } from '../helpers/transport-pair.js'
import { memLogger, testTunables } from '../helpers/config.js'
import { tcpEchoExact, until } from '../helpers/net.js'

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
  const p = await startPair(t, { type: 'ws', tls: { mode: 1 }, server: { max: 2 } })
  await until(() => p.server.stats().pool >= 2, 10_000, 'server pool full')
  const transport = await (await loadTransport('ws')).client({
    host: '127.0.0.1', port: p.tunnelPort, resolve: () => Promise.resolve('127.0.0.1'), tls: { mode: 1 },
    log: memLogger(), tunables: testTunables(), max: 2,
  })
  await assert.rejects(transport.dial(), { message: `dial wss://127.0.0.1:${p.tunnelPort}/: HTTP 503: pool full` })
})
