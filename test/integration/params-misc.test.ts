// notcp/noudp on both ends, min/max pool sizing, forced modes and log levels, through real tunnels.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { clientCfg, memLogger, serverCfg, testTunables } from '../helpers/config.js'
import { freePort, refusedPort, tcpEcho, udpEcho, until, withTimeout } from '../helpers/net.js'
import { tcpServer } from '../helpers/net-fixtures.js'
import { start, startPair } from '../helpers/tunnel-pair.js'
import { runTunnel } from '../../src/tunnel/run.js'
import { LOG_LEVELS } from '../../src/log.js'
import { HINTS } from '../../src/errors.js'

/** One datagram to 127.0.0.1:port; resolves with the reply, or undefined when none arrives within ms. */
async function udpAsk(t: TestContext, port: number, msg: string, ms = 15_000): Promise<string | undefined> {
  const s = createSocket('udp4')
  t.after(() => s.close())
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const reply = new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    s.once('message', (m: Buffer) => {
      clearTimeout(timer)
      resolve(m.toString())
    })
  })
  s.send(msg, port, '127.0.0.1')
  return reply
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
async function tcpOpen(port: number): Promise<boolean> {
  const s = connect(port, '127.0.0.1')
  const r = await new Promise<boolean>((resolve) => {
    s.once('connect', () => resolve(true))
    s.once('error', () => resolve(false))
  })
  s.destroy()
  return r
}

/** Whether the UDP port is free (nobody bound it): we can bind it ourselves. */
async function udpFree(port: number): Promise<boolean> {
  const s = createSocket('udp4')
  s.on('error', () => {})
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false))
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(true))
  })
  s.close()
  return ok
}

async function echoOnce(port: number): Promise<string> {
  const s = connect(port, '127.0.0.1')
  s.on('error', () => {})
  await once(s, 'connect')
  s.write('tcp-hello')
  const [d] = (await withTimeout(once(s, 'data'), 20_000, 'reply')) as [Buffer]
  s.destroy()
  return d.toString()
}

test('notcp=1 on the server: no TCP listener, UDP still tunnelled; noudp=1: no UDP listener, TCP still tunnelled', async (t) => {
  const techo = await tcpEcho()
  t.after(() => techo.close())
  const uecho = await udpEcho()
  t.after(() => uecho.close())
  const tp1 = await freePort()
  const pub1 = await freePort()
  await startPair(t, serverCfg(tp1, [pub1], { notcp: true }), clientCfg(tp1, [uecho.port]))
  assert.equal(await tcpOpen(pub1), false)
  assert.equal(await udpAsk(t, pub1, 'udp-1'), 'udp-1')

  const tp2 = await freePort()
  const pub2 = await freePort()
  await startPair(t, serverCfg(tp2, [pub2], { noudp: true }), clientCfg(tp2, [techo.port]))
  assert.equal(await echoOnce(pub2), 'tcp-hello')
  assert.equal(await udpFree(pub2), true, 'nothing may be bound on the UDP port')
})

test('notcp=1 / noudp=1 on the egress client: that protocol is not relayed, the other is', async (t) => {
  let tcpAccepted = 0
  const target = await tcpServer(t, () => tcpAccepted++)
  const uecho = createSocket('udp4')
  t.after(() => uecho.close())
  uecho.bind(target.port, '127.0.0.1') // same port number for the TCP and UDP target
  await once(uecho, 'listening')
  let udpSeen = 0
  uecho.on('message', (m, r) => {
    udpSeen++
    uecho.send(m, r.port, r.address)
  })

  const tp = await freePort()
  const pub = await freePort()
  await startPair(t, serverCfg(tp, [pub]), clientCfg(tp, [target.port], { notcp: true }))
  const user = connect(pub, '127.0.0.1')
  let userError: NodeJS.ErrnoException | undefined
  user.on('error', (e) => (userError = e))
  const userClosed = new Promise((resolve) => user.once('close', resolve))
  t.after(() => user.destroy())
  await once(user, 'connect')
  user.write('ignored')
  // The UDP round trip goes through the same control channel after the tcp signal: once it is back, the client
  // has already handled (refused) the tcp signal.
  assert.equal(await udpAsk(t, pub, 'u1'), 'u1')
  assert.equal(tcpAccepted, 0)
  // The refused user is reset at once rather than left waiting on a pool connection nobody reads (read=0: for ever).
  await withTimeout(userClosed, 10_000, 'refused TCP user closed')
  assert.equal(userError?.code, 'ECONNRESET')

  const tp2 = await freePort()
  const pub2 = await freePort()
  const echo2 = await tcpEcho()
  t.after(() => echo2.close())
  const udp2 = createSocket('udp4') // a UDP echo on the TCP echo's port number: the client's one target
  t.after(() => udp2.close())
  udp2.bind(echo2.port, '127.0.0.1')
  await once(udp2, 'listening')
  let udp2Seen = 0
  udp2.on('message', (m, r) => {
    udp2Seen++
    udp2.send(m, r.port, r.address)
  })
  await startPair(t, serverCfg(tp2, [pub2]), clientCfg(tp2, [echo2.port], { noudp: true }))
  assert.equal(await udpAsk(t, pub2, 'dropped', 1000), undefined)
  assert.equal(await echoOnce(pub2), 'tcp-hello')
  assert.equal(udp2Seen, 0)
  assert.equal(udpSeen, 1)
})

test('notcp=1 in single-end mode: no TCP listener, UDP forwarded', async (t) => {
  const uecho = await udpEcho()
  t.after(() => uecho.close())
  const listen = await freePort()
  const c = start(t, clientCfg(listen, [uecho.port], { mode: 1, notcp: true }))
  await until(() => c.lines.some((l) => l.includes('CHECK_POINT')), 10_000, 'single-end up')
  assert.equal(await tcpOpen(listen), false)
  assert.equal(await udpAsk(t, listen, 'single'), 'single')
})

test('min/max: the client pool warms to min, grows under load up to the server max, shrinks back when idle', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tp = await freePort()
  const pub = await freePort()
  const tun = { maxPoolIntervalMs: 300, reportIntervalMs: 1000 }
  const { client } = await startPair(t, serverCfg(tp, [pub], { max: 16 }), clientCfg(tp, [echo.port], { min: 4 }), tun)
  await until(() => client.tunnel.stats().pool === 4, 10_000, 'pool warmed to min')
  const samples: number[] = []
  const sampler = setInterval(() => samples.push(client.tunnel.stats().pool), 20)
  t.after(() => clearInterval(sampler))
  const held: Socket[] = []
  t.after(() => held.forEach((s) => s.destroy()))
  for (let round = 0; round < 4; round++) {
    const batch = await Promise.all(Array.from({ length: 12 }, async () => {
      const s = connect(pub, '127.0.0.1')
      s.on('error', () => {})
      await once(s, 'connect')
      s.write('x')
      await withTimeout(once(s, 'data'), 20_000, 'echo through the tunnel')
      return s
    }))
    held.push(...batch)
  }
  await until(() => Math.max(...samples) > 8, 10_000, 'pool growth')
  clearInterval(sampler)
  assert.ok(Math.max(...samples) <= 16, `idle pool reached ${Math.max(...samples)} > server max 16`)
  for (const s of held.splice(0)) s.destroy()
  await until(() => client.tunnel.stats().pool === 4, 30_000, 'pool shrunk back to min')
})

test('forced modes fail with a clear error when impossible', async (t) => {
  const busy = createServer()
  busy.listen(0, '127.0.0.1')
  await once(busy, 'listening')
  t.after(() => busy.close())
  const port = (busy.address() as { port: number }).port
  const udpBusy = createSocket('udp4')
  udpBusy.bind(port, '127.0.0.1')
  await once(udpBusy, 'listening')
  t.after(() => udpBusy.close())

  const tp = await freePort()
  const s = start(t, serverCfg(tp, [port], { mode: 1 }))
  await until(() => s.states.some((x) => x.state === 'error'), 10_000, 'server error')
  const inUse = `[NP_ERR_PORT_IN_USE] hint: ${HINTS.NP_ERR_PORT_IN_USE}`
  assert.ok(s.lines.some((l) => l.endsWith(`ERROR  Server error: bind 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} ${inUse}`)), s.lines.join('\n'))
  assert.deepEqual(s.states.find((x) => x.state === 'error'), { state: 'error', error: {
    code: 'NP_ERR_PORT_IN_USE', message: `bind 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`, hint: HINTS.NP_ERR_PORT_IN_USE } })

  const c = start(t, clientCfg(port, [9], { mode: 1 }))
  await until(() => c.states.some((x) => x.state === 'error'), 10_000, 'client error')
  assert.ok(c.lines.some((l) => l.endsWith(`ERROR  Client error: bind 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} ${inUse}`)), c.lines.join('\n'))

  const nobody = await refusedPort()
  const d = start(t, clientCfg(nobody, [9], { mode: 2 }))
  await until(() => d.states.some((x) => x.state === 'error'), 10_000, 'client error')
  assert.ok(d.lines.some((l) => l.includes(`ERROR  Client error: `) && l.includes('ECONNREFUSED') && l.includes('[NP_ERR_TARGET_REFUSED]')), d.lines.join('\n'))
  assert.equal(d.tunnel.stats().mode, 2)
})

const RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, EVENT: 4 }
const LINE_LEVEL = /^\S+ \S+ {2}(DEBUG|INFO|WARN|ERROR|EVENT) {2}/

test('each log level prints exactly its levels (EVENT at every level but none)', async (t) => {
  const dead = await refusedPort()
  for (const level of LOG_LEVELS) {
    const tp = await freePort()
    const pub = await freePort()
    const slog = memLogger(level, 'S ')
    const clog = memLogger(level, 'C ')
    let checkpoints = 0
    const deps = { tunables: testTunables({ reportIntervalMs: 300 }), onCheckpoint: () => checkpoints++ }
    const server = runTunnel(serverCfg(tp, [pub]), { ...deps, log: slog })
    const client = runTunnel(clientCfg(tp, [dead]), { ...deps, log: clog })
    t.after(() => server.close())
    t.after(() => client.close())
    // One user connection whose egress dial fails: DEBUG exchange lines, the client's ERROR, WARN TLS code-0,
    // INFO start lines and EVENT CHECK_POINTs are all produced at every level; the level decides what prints.
    await until(() => checkpoints >= 4, 15_000, `checkpoints at ${level}`)
    const user = connect(pub, '127.0.0.1')
    const reset = new Promise((resolve) => user.once('error', resolve)) // the failed dial resets the user
    await withTimeout(reset, 20_000, `the user's reset at ${level}`)
    await until(() => checkpoints >= 8, 15_000, `more checkpoints at ${level}`)
    await withTimeout(Promise.all([server.close(), client.close()]), 20_000, `close() at ${level}`)
    const seen = new Set([...slog.lines, ...clog.lines].map((l) => LINE_LEVEL.exec(l)?.[1] ?? `unparsed: ${l}`))
    const want = level === 'none' ? [] : Object.keys(RANK).filter((k) => k === 'EVENT' || RANK[k]! >= RANK[level.toUpperCase()]!)
    assert.deepEqual([...seen].sort(), [...want].sort(), `log=${level}`)
  }
})

test('single-end mode at log=warn prints its WARN/ERROR/EVENT lines only', async (t) => {
  const listen = await freePort()
  const c = start(t, clientCfg(listen, [await freePort()], { mode: 1, block: { socks: true, http: false, tls: false } }), {}, 'warn')
  await until(() => c.lines.some((l) => l.includes('CHECK_POINT')), 10_000, 'single-end up')
  const s = connect(listen, '127.0.0.1')
  s.on('error', () => {})
  await once(s, 'connect')
  s.write(Buffer.from([0x05, 0x01, 0x00]))
  await once(s, 'close')
  const u = connect(listen, '127.0.0.1')
  const reset = new Promise((resolve) => u.once('error', resolve)) // the failed dial resets the user
  await once(u, 'connect')
  u.write('plain')
  await withTimeout(reset, 10_000, 'the user reset')
  await until(() => c.lines.some((l) => l.includes('ERROR')), 5000, 'dial error line')
  const levels = new Set(c.lines.map((l) => LINE_LEVEL.exec(l)?.[1]))
  assert.deepEqual([...levels].sort(), ['ERROR', 'EVENT', 'WARN'])
})

test('NP_SEMAPHORE_LIMIT: a tcp signal dropped at the queue limit resets its user; the others are served', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tp = await freePort()
  const pub = await freePort()
  const { client } = await startPair(t, serverCfg(tp, [pub]), clientCfg(tp, [echo.port], { min: 32 }), { semaphoreLimit: 1 })
  await until(() => client.tunnel.stats().pool >= 20, 10_000, 'pool of 20')
  const users = Array.from({ length: 20 }, () => connect(pub, '127.0.0.1'))
  // These tunnels run in this process: held here while the kernel completes the 20 handshakes, the server then
  // accepts all of them in one turn, and their 20 signals reach the client together, beyond its limit of 1 at a time.
  const until20 = Date.now() + 50
  while (Date.now() < until20) { /* spin, bounded: 50 ms */ }
  const outcomes = await Promise.all(users.map((u) => withTimeout(new Promise<string>((resolve) => {
    u.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    u.once('connect', () => u.write('x'))
    u.once('data', (d) => {
      resolve(d.toString())
      u.destroy()
    })
  }), 10_000, 'a user neither served nor reset')))
  const dropped = client.lines.filter((l) => l.includes('Control signal tcp dropped: queue limit reached')).length
  assert.ok(dropped > 0, 'no signal reached the queue limit')
  assert.equal(outcomes.filter((o) => o === 'ECONNRESET').length, dropped, outcomes.join(' '))
  assert.equal(outcomes.filter((o) => o === 'x').length, 20 - dropped, outcomes.join(' '))
})
