// close() of a tunnel still starting: it gives up its handshake, its control-connection wait and its pool dials at
// once (each would otherwise last NP_HANDSHAKE_TIMEOUT), and every socket it opened is closed when close() settles.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { clientCfg, memLogger, testTunables } from '../helpers/config.js'
import { freePort, until, withTimeout } from '../helpers/net.js'
import { runTunnel } from '../../src/tunnel/run.js'
import { HandshakeServer } from '../../src/tunnel/handshake.js'

/** Far above the waits below: a close() that waited for a handshake, a dial or an ID read would time the test out. */
const tunables = testTunables({ handshakeTimeoutMs: 120_000, tcpDialTimeoutMs: 120_000 })

/** A TCP server on 127.0.0.1 that keeps every accepted socket (reading it, so that its end is seen); `serve` may
 * hand one over instead. */
async function fakeServer(t: TestContext, serve: (s: Socket, n: number) => boolean): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const srv = createServer((s) => {
    s.on('error', () => {})
    sockets.push(s)
    if (!serve(s, sockets.length)) s.resume()
  })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.after(() => {
    for (const s of sockets) s.destroy()
    srv.close()
  })
  return { port: (srv.address() as { port: number }).port, sockets }
}

async function allClosed(sockets: Socket[]): Promise<void> {
  await Promise.all(sockets.map((s) => (s.closed ? undefined : once(s, 'close'))))
}

test('close() while the handshake gets no answer: settles at once and the handshake socket is closed', async (t) => {
  const srv = await fakeServer(t, () => false) // accepts, never answers
  const log = memLogger('debug')
  const client = runTunnel(clientCfg(srv.port, [await freePort()]), { log, tunables })
  await until(() => srv.sockets.length >= 1, 10_000, 'the handshake connection')
  await withTimeout(client.close(), 10_000, 'close() during the handshake')
  await withTimeout(allClosed(srv.sockets), 10_000, 'the handshake socket to close')
  assert.ok(!log.lines.some((l) => l.includes('Client error')), log.lines.join('\n'))
})

// The pool dials of each per-connection transport, stuck where the silent server leaves them: waiting for the ID
// (tls=0, type 0), in the TLS handshake (tls=1), in the WebSocket upgrade (type 2).
for (const [tls, type] of [['0', '0'], ['1', '0'], ['0', '2'], ['1', '2']] as const) {
  test(`close() while pool dials hang and the control connection is awaited (tls=${tls}, type=${type}): every pool socket is closed`, async (t) => {
    const hs = new HandshakeServer('test-key', { flow: '-', max: 8, tls, type }, memLogger('none'))
    t.after(() => hs.close())
    // The first connection is the handshake; the pool connections after it get nothing.
    const srv = await fakeServer(t, (s, n) => {
      if (n === 1) hs.handle(s)
      return n === 1
    })
    const log = memLogger('debug')
    const client = runTunnel(clientCfg(srv.port, [await freePort()], { min: 4 }), { log, tunables })
    await until(() => srv.sockets.length >= 5, 10_000, 'four pool dials')
    await withTimeout(client.close(), 10_000, 'close() while the pool fills')
    await withTimeout(allClosed(srv.sockets), 10_000, 'every pool socket to close')
    assert.ok(!log.lines.some((l) => l.includes('Client error') || l.includes('Pool dial failed')), log.lines.join('\n'))
  })
}
