// type=3 HTTP/2 pool: the tunnel matrix, 500 concurrent streams on one session, 404 when the pool is full.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { loadTransport } from '../../src/transport/index.js'
import { transportMatrix } from '../helpers/transport-matrix.js'
import { fullPoolDialer } from '../helpers/transport-pair.js'
import { memLogger, testTunables } from '../helpers/config.js'
import { concurrentStreams, echoStream } from '../helpers/streams.js'
import { createServerCredentials } from '../../src/tls/certs.js'
import type { ClientTransport } from '../../src/transport/types.js'
import { createServer, type AddressInfo } from 'node:net'
import { once } from 'node:events'

transportMatrix('h2', { tls: { mode: 1 }, halfClose: true, bulkBytes: 16 << 20 })

test('h2: a full server pool answers 404 not found', async (t) => {
  const { transport } = await fullPoolDialer(t, 'h2')
  await assert.rejects(transport.dial(), { message: 'HTTP/2 stream: HTTP 404: not found' })
})

/** An h2 server transport behind a TCP listener and a client transport dialling it; counts TCP connections. */
async function echoSessionPair(t: TestContext): Promise<{ client: ClientTransport; streams: () => number; connections: () => number }> {
  const log = memLogger()
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log }))!
  const factory = await loadTransport('h2')
  let n = 0
  const st = await factory.server({
    tunnelHost: '127.0.0.1', tunnelPort: 0, creds, admit: (ip) => (ip === '127.0.0.1' ? 'ok' : 'foreign'), log,
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
  return { client, streams: () => n, connections: () => connections }
}

test('h2: 500 concurrent streams share one TLS connection', async (t) => {
  const p = await echoSessionPair(t)
  // 16 KiB each way on each stream (8 MiB in all), both ends in one process: with a 64 MiB connection window this
  // stalled once in ~8 runs (each session stopped reading while its own write was pending; see SESSION_WINDOW).
  await concurrentStreams(p.client, 500, 16 << 10)
  assert.equal(p.streams(), 500)
  assert.equal(p.connections(), 1)
})

test('h2: both directions saturated (500 streams x 128 KiB echoed, 64 MiB each way) do not stall the session', async (t) => {
  // More data in flight each way than the socket buffers hold: with a 64 MiB connection window both sessions
  // stopped reading while their own writes were pending, every time, until the PING timeout killed the session.
  const p = await echoSessionPair(t)
  await concurrentStreams(p.client, 500, 128 << 10, 120_000)
  assert.equal(p.streams(), 500)
  assert.equal(p.connections(), 1)
})

test('h2: a server without TLS is refused', async () => {
  const factory = await loadTransport('h2')
  await assert.rejects(
    factory.server({
      tunnelHost: '127.0.0.1', tunnelPort: 0, creds: undefined, admit: () => 'ok', log: memLogger(),
      tunables: testTunables(), max: 8, onStream: () => {},
    }),
    { code: 'NP_ERR_TRANSPORT_UNAVAILABLE', message: 'pool type 3 (HTTP/2) needs tls 1 or 2' },
  )
})
