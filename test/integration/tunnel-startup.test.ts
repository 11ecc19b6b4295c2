// Users who arrive while a tunnel starts or restarts are held, and keep every byte and every EOF until
// the relay owns them; they are served within 1 s of the tunnel becoming ready (a correctness bound: a lost byte or
// a stall until some timeout fails it; speed is the benchmark's business). Every pool type, tls 0 and 1, reverse
// mode (users wait at the server before the client starts) and forward mode (users wait at the client while its
// server restarts). tls=2 runs with real processes in tunnel-startup-tls2.test.ts. The QUIC rows run by default (a
// few seconds together), unlike the full QUIC matrix.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { once } from 'node:events'
import { runTunnel } from '../../src/tunnel/run.js'
import type { TlsConfig } from '../../src/url/types.js'
import type { PoolKind } from '../../src/wire.js'
import type { TunnelState } from '../../src/tunnel/types.js'
import { clientCfg, memLogger, serverCfg, testTunables } from '../helpers/config.js'
import { freePort, tcpEchoExact, until } from '../helpers/net.js'
import { echoTarget, ready, startPair } from '../helpers/transport-pair.js'
import { assertServed, heldUser } from '../helpers/held-users.js'

const WITHIN_MS = 1000

/** A WebSocket pool connection closes as a whole (the matrix's halfClose: false): a half-closed user gets no echo. */
const halfCloses = (type: PoolKind): boolean => type !== 'ws'

/** Resolves with the moment both ends were seen ready (polled every 5 ms). */
async function readyAt(slog: { lines: string[] }, clog: { lines: string[] }, verify: boolean, sFrom = 0, cFrom = 0): Promise<number> {
  const want = verify ? 'TLS certificate fingerprint verified' : 'Marking tunnel handshake as complete'
  const seen = (lines: string[], from: number): boolean => lines.slice(from).some((l) => l.includes(want))
  await until(() => seen(slog.lines, sFrom) && seen(clog.lines, cFrom), 20_000, want, 5)
  return performance.now()
}

/** Reverse mode: the users connect to the server before its client exists. */
async function reverseFromStart(t: TestContext, type: PoolKind, tls: TlsConfig, probes = 0): Promise<void> {
  const echoPort = await echoTarget(t)
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const slog = memLogger('debug', 'S ')
  const clog = memLogger('debug', 'C ')
  const server = runTunnel(serverCfg(tunnelPort, [publicPort], { type, tls, mode: 1 }), { log: slog, tunables: testTunables() })
  t.after(() => server.close())
  await until(() => slog.lines.some((l) => /TLS code-\d/.test(l)), 10_000, 'server listening')
  for (let i = 0; i < probes; i++) {
    const p = connect({ port: publicPort, host: '127.0.0.1' })
    p.on('error', () => {})
    await once(p, 'connect')
    p.destroy()
  }
  const users = probes > 0 ? [] : [
    { user: await heldUser(publicPort, 5, false), halfClose: false },
    { user: await heldUser(publicPort, 200_000, halfCloses(type)), halfClose: halfCloses(type) },
  ]
  const client = runTunnel(clientCfg(tunnelPort, [echoPort]), { log: clog, tunables: testTunables() })
  t.after(() => client.close())
  const at = await readyAt(slog, clog, tls.mode !== 0)
  if (probes > 0) users.push({ user: await heldUser(publicPort, 1000, false), halfClose: false })
  await assertServed(users, at, WITHIN_MS)
}

/** Forward mode: the users connect to the client while its server is down, then the server comes back. */
async function forwardAcrossRestart(t: TestContext, type: PoolKind, tls: TlsConfig): Promise<void> {
  const p = await startPair(t, { type, tls, forward: true })
  await p.server.close()
  const from = p.clog.lines.length
  await until(() => p.clog.lines.slice(from).some((l) => l.includes('Client error:')), 10_000, 'the client noticing')
  const users = [
    { user: await heldUser(p.publicPort, 5, false), halfClose: false },
    { user: await heldUser(p.publicPort, 200_000, halfCloses(type)), halfClose: halfCloses(type) },
  ]
  const slog = memLogger('debug', 'S2 ')
  const cFrom = p.clog.lines.length
  p.server = runTunnel(p.serverCfg, { log: slog, tunables: testTunables() })
  const at = await readyAt(slog, p.clog, tls.mode !== 0, 0, cFrom)
  await assertServed(users, at, WITHIN_MS)
}

const TYPES: { type: PoolKind; tls: TlsConfig[] }[] = [
  { type: 'tcp', tls: [{ mode: 0 }, { mode: 1 }] },
  { type: 'ws', tls: [{ mode: 0 }, { mode: 1 }] },
  { type: 'h2', tls: [{ mode: 1 }] }, // h2 and QUIC need TLS
  { type: 'quic', tls: [{ mode: 1 }] },
]

for (const { type, tls: modes } of TYPES) {
  for (const tls of modes) {
    test(`${type} tls=${tls.mode} reverse: users who sent${halfCloses(type) ? ' (one half-closed)' : ''} before the client started get every byte${halfCloses(type) ? ' and EOF' : ''}`, (t) =>
      reverseFromStart(t, type, tls))
    test(`${type} tls=${tls.mode} forward: users who sent while the server restarted get every byte${halfCloses(type) ? ' and EOF' : ''}`, (t) =>
      forwardAcrossRestart(t, type, tls))
  }
}

test('two connect-and-close probes before the tunnel is ready: the next user is served at once', async (t) => {
  await reverseFromStart(t, 'tcp', { mode: 1 }, 2)
})

test('reverse mode: users who arrive while the client reconnects are held by the server and served', async (t) => {
  const echoPort = await echoTarget(t)
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const slog = memLogger('debug', 'S ')
  const server = runTunnel(serverCfg(tunnelPort, [publicPort], { mode: 1 }), { log: slog, tunables: testTunables() })
  t.after(() => server.close())
  const c1log = memLogger('debug', 'C1 ')
  const c1states: TunnelState[] = []
  const c1 = runTunnel(clientCfg(tunnelPort, [echoPort]), { log: c1log, tunables: testTunables(), onState: (s) => c1states.push(s) })
  await ready({ server, cstates: c1states })
  const warm = await tcpEchoExact(publicPort, 1000)
  assert.equal(warm.got, warm.sent)
  const from = slog.lines.length
  await c1.close()
  await until(() => slog.lines.slice(from).some((l) => l.includes('Server error:')), 10_000, 'the server noticing')
  const users = [
    { user: await heldUser(publicPort, 5, false), halfClose: false },
    { user: await heldUser(publicPort, 100_000, true), halfClose: true },
  ]
  const sFrom = slog.lines.length
  const c2log = memLogger('debug', 'C2 ')
  const c2 = runTunnel(clientCfg(tunnelPort, [echoPort]), { log: c2log, tunables: testTunables() })
  t.after(() => c2.close())
  const at = await readyAt(slog, c2log, false, sFrom)
  await assertServed(users, at, WITHIN_MS)
})

test('single-end mode: a user who sends and half-closes at once gets every byte and EOF', async (t) => {
  const echoPort = await echoTarget(t)
  const port = await freePort()
  const log = memLogger('debug', 'C ')
  const c = runTunnel({ ...clientCfg(port, [echoPort]), mode: 1 }, { log, tunables: testTunables() })
  t.after(() => c.close())
  await until(() => log.lines.some((l) => l.includes('CHECK_POINT')), 10_000, 'single-end ready')
  const at = performance.now()
  await assertServed([{ user: await heldUser(port, 200_000, true), halfClose: true }], at, WITHIN_MS)
})
