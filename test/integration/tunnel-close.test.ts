// close() of a tunnel still starting: it gives up its handshake, its control-connection wait and its pool dials at
// once (each would otherwise last NP_HANDSHAKE_TIMEOUT), and every socket it opened is closed when close() settles.
// The same for a running tunnel whose egress is still dialling a target.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { clientCfg, memLogger, serverCfg, testTunables } from '../helpers/config.js'
import { spawn } from 'node:child_process'
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

/** Sockets of this process (connected or connecting), as Node counts them. */
const tcpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length

/**
 * A port whose connects hang: a listener with a backlog of 1 in a stopped child process, its accept queue filled.
 * Linux then drops new SYNs instead of answering them.
 */
async function hangingPort(t: TestContext): Promise<number> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => {
    child.kill('SIGCONT')
    child.kill('SIGKILL')
  })
  const [line] = (await withTimeout(once(child.stdout, 'data'), 10_000, 'the listener port')) as [Buffer]
  const port = Number(line.toString().trim())
  child.kill('SIGSTOP')
  // Fill the accept queue (backlog + 1 on Linux); these connects complete in the kernel, the next ones hang.
  for (let i = 0; i < 2; i++) {
    const s = rawConnect(port)
    t.after(() => s.destroy())
    await withTimeout(once(s, 'connect'), 10_000, 'a queued connection')
  }
  return port
}

function rawConnect(port: number): Socket {
  const s = connect(port, '127.0.0.1')
  s.on('error', () => {})
  return s
}

test('close() while the egress still dials a target that never answers: no socket is left behind', async (t) => {
  const target = await hangingPort(t)
  const before = tcpSockets()
  const tp = await freePort()
  const pub = await freePort()
  const server = runTunnel(serverCfg(tp, [pub]), { log: memLogger('none'), tunables })
  const client = runTunnel(clientCfg(tp, [target]), { log: memLogger('none'), tunables })
  t.after(() => server.close())
  t.after(() => client.close())
  await until(() => client.state().state === 'ready' && server.state().state === 'ready', 10_000, 'the tunnel')
  const user = rawConnect(pub)
  user.write('x')
  // The client took a connection slot for the user and is dialling the target.
  await until(() => client.stats().tcps >= 1, 10_000, 'the egress dial')
  user.destroy()
  await withTimeout(Promise.all([server.close(), client.close()]), 10_000, 'close()')
  await until(() => tcpSockets() <= before, 10_000, `sockets back to ${before} (now ${tcpSockets()})`)
})

test('close() of a single-end forwarder while it dials a target that never answers: no socket is left behind', async (t) => {
  const target = await hangingPort(t)
  const before = tcpSockets()
  const listen = await freePort()
  const log = memLogger('debug')
  const single = runTunnel(clientCfg(listen, [target], { mode: 1 }), { log, tunables })
  t.after(() => single.close())
  await until(() => single.state().state === 'ready', 10_000, 'the forwarder')
  const user = rawConnect(listen)
  user.write('x')
  await until(() => single.stats().tcps >= 1, 10_000, 'the target dial')
  await withTimeout(single.close(), 10_000, 'close()')
  user.destroy()
  await until(() => tcpSockets() <= before, 10_000, `sockets back to ${before} (now ${tcpSockets()})`)
  // Giving up a dial because of close() is not a connection failure.
  assert.ok(!log.lines.some((l) => l.includes('Single-end TCP for')), log.lines.join('\n'))
})

test('many dials in flight on one tunnel (32 pool dials, 24 target dials) print no MaxListenersExceededWarning', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  // Pool dials that hang on their ID read, all watching the filler's signal.
  const hs = new HandshakeServer('test-key', { flow: '-', max: 64, tls: '0', type: '0' }, memLogger('none'))
  t.after(() => hs.close())
  const silent = await fakeServer(t, (s, n) => {
    if (n === 1) hs.handle(s)
    return n === 1
  })
  const filling = runTunnel(clientCfg(silent.port, [await freePort()], { min: 32 }), { log: memLogger('none'), tunables })
  t.after(() => filling.close())
  await until(() => silent.sockets.length >= 33, 10_000, '32 pool dials')
  // Target dials that hang, all watching the session's signal.
  const target = await hangingPort(t)
  const tp = await freePort()
  const pub = await freePort()
  const server = runTunnel(serverCfg(tp, [pub]), { log: memLogger('none'), tunables })
  const client = runTunnel(clientCfg(tp, [target], { min: 32 }), { log: memLogger('none'), tunables })
  t.after(() => server.close())
  t.after(() => client.close())
  await until(() => client.state().state === 'ready' && server.state().state === 'ready', 10_000, 'the tunnel')
  const users = Array.from({ length: 24 }, () => rawConnect(pub))
  t.after(() => users.forEach((u) => u.destroy()))
  for (const u of users) u.write('x')
  await until(() => client.stats().tcps >= 24, 10_000, '24 target dials')
  // A warning is emitted on the next tick after the listener that crossed the limit.
  await new Promise((r) => setImmediate(r))
  await withTimeout(Promise.all([filling.close(), server.close(), client.close()]), 10_000, 'close()')
  assert.deepEqual(warnings, [])
})
