// A client whose server is killed keeps trying without hammering it (at most ~1 dial per second once
// the first quick retries are spent), and carries traffic again once a server is back. How fast is measured by
// bench/recovery.ts (`node dist/bench/recovery.js`), not here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { runTunnel } from '../../src/tunnel/run.js'
import { clientCfg, memLogger, serverCfg, testTunables } from '../helpers/config.js'
import { freePort, tcpEchoExact, until } from '../helpers/net.js'
import { echoTarget } from '../helpers/transport-pair.js'
import { startPair } from '../helpers/tunnel-pair.js'

test('a client rejoins a restarted server, and makes at most 2 dials per second while it is down', async (t) => {
  const tunables = { serviceCooldownMs: 3000 } // the default: the test cooldown (200 ms) would cap every delay
  const echoPort = await echoTarget(t)
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const scfg = serverCfg(tunnelPort, [echoPort], { mode: 2 })
  const { server, client } = await startPair(t, scfg, clientCfg(tunnelPort, [userPort]), tunables)
  const first = await tcpEchoExact(userPort, 10_000)
  assert.equal(first.got, first.sent)

  await server.tunnel.close()
  // 100 + 200 + 400 + 800 ms of quick retries first; then count the attempts (one handshake dial each) for 3 s.
  await sleep(2000)
  const from = client.lines.length
  await sleep(3000)
  const attempts = client.lines.slice(from).filter((l) => l.includes('Client error:')).length
  assert.ok(attempts >= 1, 'the client kept trying')
  assert.ok(attempts <= 6, `${attempts} attempts in 3 s while the server was down (bound 6)`)

  const slog = memLogger('debug', 'S2 ')
  const again = runTunnel(scfg, { log: slog, tunables: testTunables(tunables) })
  t.after(() => again.close())
  const cFrom = client.lines.length
  await until(() => client.lines.slice(cFrom).some((l) => l.includes('Marking tunnel handshake as complete')), 10_000, 'the client rejoining')
  const r = await tcpEchoExact(userPort, 100_000)
  assert.equal(r.got, r.sent)
})
