// In-process dual-end tunnels over real sockets: reverse and forward mode, TCP bytes checked by SHA-256.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runTunnel } from '../../src/tunnel/run.js'
import { tcpEcho, freePort, tcpEchoExact, tcpRoundTrip, sha256, until } from '../helpers/net.js'
import { serverCfg, clientCfg, testTunables, memLogger } from '../helpers/config.js'
import { randomBytes } from 'node:crypto'

test('reverse mode: users at the server reach the client-side target', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const slog = memLogger('debug', 'S ')
  const clog = memLogger('debug', 'C ')
  const server = runTunnel(serverCfg(tunnelPort, [publicPort]), { log: slog, tunables: testTunables() })
  t.after(() => server.close())
  const client = runTunnel(clientCfg(tunnelPort, [echo.port]), { log: clog, tunables: testTunables() })
  t.after(() => client.close())
  await until(() => slog.lines.some((l) => l.includes('Marking tunnel handshake as complete')), 10_000, 'handshake')
  const r = await tcpEchoExact(publicPort, 1 << 20)
  assert.equal(r.got, r.sent)
  const payload = randomBytes(300_000)
  const back = await tcpRoundTrip(publicPort, payload)
  assert.equal(sha256(back), sha256(payload))
})
