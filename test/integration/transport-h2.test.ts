// type=3 HTTP/2 pool: the tunnel matrix, 500 concurrent streams on one session, 404 when the pool is full.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadTransport } from '../../src/transport/index.js'
import { transportMatrix } from '../helpers/transport-matrix.js'
import { startPair } from '../helpers/transport-pair.js'
import { memLogger, testTunables } from '../helpers/config.js'
import { until } from '../helpers/net.js'
import { concurrentStreams, echoStream } from '../helpers/streams.js'
import { createServerCredentials } from '../../src/tls/certs.js'
import { createServer, type AddressInfo } from 'node:net'
import { once } from 'node:events'

transportMatrix('h2', { tls: { mode: 1 }, halfClose: true, bulkBytes: 16 << 20 })

test('h2: a full server pool answers 404 not found', async (t) => {
  const p = await startPair(t, { type: 'h2', tls: { mode: 1 }, server: { max: 2 } })
  await until(() => p.server.stats().pool >= 2, 10_000, 'server pool full')
  const transport = await (await loadTransport('h2')).client({
    host: '127.0.0.1', port: p.tunnelPort, resolve: () => Promise.resolve('127.0.0.1'), tls: { mode: 1 },
    log: memLogger(), tunables: testTunables(), max: 2,
  })
  t.after(() => transport.close())
  await assert.rejects(transport.dial(), { message: 'HTTP/2 stream: HTTP 404: not found' })
})

test('h2: 500 concurrent streams share one TLS connection', async (t) => {
  const log = memLogger()
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log }))!
  const factory = await loadTransport('h2')
  let n = 0
  const st = await factory.server({
    tunnelHost: '127.0.0.1', tunnelPort: 0, creds, allowIp: '127.0.0.1', accepting: () => true, log,
    tunables: testTunables(), max: 1024, onStream: (ps) => echoStream(ps, n++),
  })
  let connections = 0
  const tcp = createServer((s) => {
    connections++
    st.handleSocket!(s)
  })
  tcp.listen(0, '127.0.0.1')
  await once(tcp, 'listening')
  t.after(async () => {
    await st.close()
    tcp.close()
  })
  const client = await factory.client({
    host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, resolve: () => Promise.resolve('127.0.0.1'),
    tls: { mode: 1 }, log, tunables: testTunables(), max: 1024,
  })
  t.after(() => client.close())
  // 1 KiB each, as the QUIC test: with 16 KiB each the session stalled once in ~8 runs (first PING unanswered for
  // 15 s, in one process); noted on issue 5, not yet explained.
  await concurrentStreams(client, 500, 1 << 10)
  assert.equal(n, 500)
  assert.equal(connections, 1)
})

test('h2: a server without TLS is refused', async () => {
  const factory = await loadTransport('h2')
  await assert.rejects(
    factory.server({
      tunnelHost: '127.0.0.1', tunnelPort: 0, creds: undefined, allowIp: undefined, accepting: () => true, log: memLogger(),
      tunables: testTunables(), max: 8, onStream: () => {},
    }),
    { code: 'NP_ERR_TRANSPORT_UNAVAILABLE', message: 'pool type 3 (HTTP/2) needs tls 1 or 2' },
  )
})
