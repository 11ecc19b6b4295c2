// type=1 QUIC pool: 500 concurrent streams on one connection, pool-full refusal, no-TLS refusal. The tunnel matrix is
// spread over transport-quic-reverse, transport-quic-forward and transport-quic-faults.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadTransport } from '../../src/transport/index.js'
import { readPoolId } from '../../src/tunnel/pool-ids.js'
import { createServerCredentials } from '../../src/tls/certs.js'
import { fullPoolDialer } from '../helpers/transport-pair.js'
import { memLogger, testTunables } from '../helpers/config.js'
import { freePort, until } from '../helpers/net.js'
import { concurrentStreams, echoStream } from '../helpers/streams.js'

// The 500-stream test is what collapsed before src/transport/quic-patches.ts.
test('quic: a full server pool closes new streams before the ID', async (t) => {
  const { transport } = await fullPoolDialer(t, 'quic')
  const ps = await transport.dial()
  await assert.rejects(readPoolId(ps.stream, 5000), /^NodePassError: pool id: /)
})

test('quic: 500 concurrent streams share one connection', async (t) => {
  const slog = memLogger()
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log: slog }))!
  const factory = await loadTransport('quic')
  const port = await freePort()
  let n = 0
  const st = await factory.server({
    tunnelHost: '127.0.0.1', tunnelPort: port, creds, admit: (ip) => (ip === '127.0.0.1' ? 'ok' : 'foreign'), log: slog,
    tunables: testTunables(), max: 1024, onStream: (ps) => echoStream(ps, n++),
  })
  t.after(() => st.close())
  const client = await factory.client({
    host: '127.0.0.1', port, resolve: () => Promise.resolve('127.0.0.1'), tls: { mode: 1 }, log: memLogger(),
    tunables: testTunables(), max: 1024,
  })
  t.after(() => client.close())
  await concurrentStreams(client, 500, 1024)
  assert.equal(n, 500)
  assert.equal(slog.lines.filter((l) => l.includes('QUIC connection from')).length, 1)
})

test('quic: a connection from another address than the handshaken client is stopped, and the pool gets nothing', async (t) => {
  const slog = memLogger('debug')
  const creds = (await createServerCredentials({ mode: 1 }, { reloadIntervalMs: 3_600_000, log: slog }))!
  const factory = await loadTransport('quic')
  const port = await freePort()
  let streams = 0
  const seen: string[] = []
  const st = await factory.server({
    tunnelHost: '127.0.0.1', tunnelPort: port, creds, log: slog, tunables: testTunables(), max: 8,
    admit: (ip) => (seen.push(ip), 'foreign'), // as the tunnel answers every address but the handshaken client's
    onStream: () => streams++,
  })
  t.after(() => st.close())
  const client = await factory.client({
    host: '127.0.0.1', port, resolve: () => Promise.resolve('127.0.0.1'), tls: { mode: 1 }, log: memLogger(),
    tunables: testTunables({ tcpDialTimeoutMs: 3000 }), max: 8,
  })
  t.after(() => client.close())
  const outcome = await client.dial().then((ps) => readPoolId(ps.stream, 3000)).then(
    (id) => `an ID: ${id}`,
    (err: Error) => err.constructor.name,
  )
  assert.equal(outcome, 'NodePassError')
  await until(() => slog.lines.some((l) => l.includes('QUIC connection from 127.0.0.1 refused: not the handshaken client')), 10_000, 'the refusal')
  assert.deepEqual([...new Set(seen)], ['127.0.0.1'])
  assert.equal(streams, 0)
})

test('quic: a server without TLS is refused', async () => {
  const factory = await loadTransport('quic')
  await assert.rejects(
    factory.server({
      tunnelHost: '127.0.0.1', tunnelPort: 0, creds: undefined, admit: () => 'ok', log: memLogger(),
      tunables: testTunables(), max: 8, onStream: () => {},
    }),
    { code: 'NP_ERR_TRANSPORT_UNAVAILABLE', message: 'pool type 1 (QUIC) needs tls 1 or 2' },
  )
})
