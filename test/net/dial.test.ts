import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { createTargetDialer, type TargetDialerOptions } from '../../src/net/dial.js'
import { createDnsResolver } from '../../src/net/dns.js'
import type { HostPort } from '../../src/url/types.js'
import { refusedPort, until } from '../helpers/net.js'
import { dnsServer, memoryLogger, tcpServer } from '../helpers/net-fixtures.js'

const noDns = createDnsResolver({ ttlMs: 0, servers: [] })

function dialer(t: TestContext, targets: HostPort[], extra: Partial<TargetDialerOptions> = {}) {
  const { log, lines } = memoryLogger('debug')
  const d = createTargetDialer({ targets, lbs: 'round-robin', dial: 'auto', dns: noDns, timeoutMs: 3000, log, probeMinMs: 60_000, ...extra })
  t.after(() => d.close())
  return { d, lines }
}

/** A port nobody listens on (bound once, then released). */
async function counting(t: TestContext, host = '127.0.0.1') {
  const peers: string[] = []
  const srv = await tcpServer(t, (s: Socket) => peers.push(s.remoteAddress!), host)
  return { ...srv, peers, target: { host, port: srv.port } }
}

test('round-robin spreads dials evenly over the targets', async (t) => {
  const a = await counting(t)
  const b = await counting(t)
  const c = await counting(t)
  const { d } = dialer(t, [a.target, b.target, c.target])
  const hits = new Map<number, number>()
  for (let i = 0; i < 30; i++) {
    const r = await d.dialTcp()
    r.socket.on('error', () => {})
    hits.set(r.target.port, (hits.get(r.target.port) ?? 0) + 1)
    r.socket.destroy()
  }
  assert.deepEqual([hits.get(a.port), hits.get(b.port), hits.get(c.port)], [10, 10, 10])
  await until(() => a.peers.length + b.peers.length + c.peers.length === 30, 5000, 'all accepts')
  assert.deepEqual([a.peers.length, b.peers.length, c.peers.length], [10, 10, 10])
})

test('primary-backup uses the first target, fails over once, and does not retry the dead one per connection', async (t) => {
  const primary = await counting(t)
  const backup = await counting(t)
  const { d, lines } = dialer(t, [primary.target, backup.target], { lbs: 'primary-backup' })
  for (let i = 0; i < 3; i++) (await d.dialTcp()).socket.destroy()
  await until(() => primary.peers.length === 3, 5000, 'primary accepts')
  assert.equal(backup.peers.length, 0)
  for (const s of primary.sockets) s.destroy()
  await new Promise((r) => primary.server.close(r))
  const used: number[] = []
  for (let i = 0; i < 10; i++) {
    const r = await d.dialTcp()
    used.push(r.target.port)
    r.socket.destroy()
  }
  assert.deepEqual(used, Array(10).fill(backup.port))
  const health = d.health()
  assert.equal(health[0]!.up, false)
  assert.equal(health[0]!.failures, 1, 'a down target must not be dialled again for every connection')
  assert.ok(
    lines.some((l) => l.endsWith(`WARN  Target 127.0.0.1:${primary.port} marked down: connect ECONNREFUSED 127.0.0.1:${primary.port}`)),
    lines.join('\n'),
  )
})

test('a down primary is re-probed in the background and used again once it is back', async (t) => {
  const port = await refusedPort()
  const backup = await counting(t)
  const { d, lines } = dialer(t, [{ host: '127.0.0.1', port }, backup.target], { lbs: 'primary-backup', probeMinMs: 50, probeMaxMs: 200 })
  const first = await d.dialTcp()
  first.socket.destroy()
  assert.equal(first.target.port, backup.port)
  // Failures pile up only through the bounded background probes.
  await until(() => d.health()[0]!.failures >= 3, 5000, 're-probes')
  const back = createServer((s) => s.destroy()).listen(port, '127.0.0.1')
  t.after(() => back.close())
  await once(back, 'listening')
  await until(() => d.health()[0]!.up, 5000, 'primary back up')
  assert.ok(lines.some((l) => l.endsWith(`INFO  Target 127.0.0.1:${port} is back`)))
  const again = await d.dialTcp()
  again.socket.on('error', () => {})
  again.socket.destroy()
  assert.equal(again.target.port, port)
})

test('optimal latency prefers the target that connects fastest', async (t) => {
  const dns = await dnsServer(t)
  const slow = await counting(t)
  const fast = await counting(t)
  dns.records.set('slow.test', '127.0.0.1')
  dns.records.set('fast.test', '127.0.0.1')
  dns.delays.set('slow.test', 150) // reaching "slow" takes a slow name lookup on every dial (ttl 0)
  const resolver = createDnsResolver({ ttlMs: 0, servers: [`127.0.0.1:${dns.port}`] })
  const { d } = dialer(t, [{ host: 'slow.test', port: slow.port }, { host: 'fast.test', port: fast.port }], {
    lbs: 'latency', dns: resolver,
  })
  const used: string[] = []
  for (let i = 0; i < 12; i++) {
    const r = await d.dialTcp()
    used.push(r.target.host)
    r.socket.destroy()
  }
  assert.deepEqual(used.slice(0, 2), ['slow.test', 'fast.test'], 'each target is measured once first')
  assert.deepEqual(used.slice(2), Array(10).fill('fast.test'))
  const [hs, hf] = d.health()
  assert.ok(hs!.latencyMs! > hf!.latencyMs!)
})

test('dial=127.0.0.2 is the source address of TCP and UDP target connections', async (t) => {
  const tcp = await counting(t)
  const udp = createSocket('udp4')
  t.after(() => udp.close())
  udp.bind(0, '127.0.0.1')
  await once(udp, 'listening')
  const { d, lines } = dialer(t, [{ host: '127.0.0.1', port: tcp.port }], { dial: '127.0.0.2' })
  const r = await d.dialTcp()
  r.socket.destroy()
  await until(() => tcp.peers.length === 1, 5000, 'condition')
  assert.equal(tcp.peers[0], '127.0.0.2')
  const { d: du } = dialer(t, [{ host: '127.0.0.1', port: udp.address().port }], { dial: '127.0.0.2' })
  const u = await du.dialUdp()
  t.after(() => u.socket.close())
  u.socket.send('hi')
  const [msg, rinfo] = (await once(udp, 'message')) as [Buffer, { address: string }]
  assert.equal(msg.toString(), 'hi')
  assert.equal(rinfo.address, '127.0.0.2')
  assert.equal(lines.filter((l) => l.includes('fallback')).length, 0)
})

test('an unusable dial address falls back once with one warning; refused connections never trigger it', async (t) => {
  const srv = await counting(t)
  const source = { fallback: false }
  const dead = await refusedPort()
  const refused = dialer(t, [{ host: '127.0.0.1', port: dead }], { dial: '127.0.0.2', sourceState: source })
  await assert.rejects(refused.d.dialTcp(), { message: `dial 127.0.0.1:${dead}: connect ECONNREFUSED 127.0.0.1:${dead}` })
  assert.equal(source.fallback, false, 'ECONNREFUSED must not switch the source address off (D2)')
  const { d, lines } = dialer(t, [srv.target], { dial: '192.0.2.1', sourceState: source })
  for (let i = 0; i < 3; i++) (await d.dialTcp()).socket.destroy()
  await until(() => srv.peers.length === 3, 5000, 'condition')
  assert.deepEqual(srv.peers, ['127.0.0.1', '127.0.0.1', '127.0.0.1'])
  assert.equal(source.fallback, true)
  const warns = lines.filter((l) => l.includes('WARN'))
  assert.equal(warns.length, 1, warns.join('\n'))
  assert.match(warns[0]!, /WARN {2}dial=192\.0\.2\.1 unusable \(bind EADDRNOTAVAIL 192\.0\.2\.1\): fallback to system auto for the rest of the process$/)
  // The same process-wide state: a later dialer starts without the source address and stays quiet.
  const later = dialer(t, [srv.target], { dial: '192.0.2.1', sourceState: source })
  ;(await later.d.dialTcp()).socket.destroy()
  assert.equal(later.lines.length, 0)
})

test('UDP dials fall back the same way on a bind error', async (t) => {
  const udp = createSocket('udp4')
  t.after(() => udp.close())
  udp.bind(0, '127.0.0.1')
  await once(udp, 'listening')
  const { d, lines } = dialer(t, [{ host: '127.0.0.1', port: udp.address().port }], { dial: '192.0.2.1' })
  const u = await d.dialUdp()
  t.after(() => u.socket.close())
  u.socket.send('x')
  const [, rinfo] = (await once(udp, 'message')) as [Buffer, { address: string }]
  assert.equal(rinfo.address, '127.0.0.1')
  assert.equal(lines.filter((l) => l.includes('unusable (bind EADDRNOTAVAIL')).length, 1, lines.join('\n'))
})

test('a source address of the other family is skipped for that target, without falling back', async (t) => {
  const v6 = await counting(t, '::1')
  const source = { fallback: false }
  const { d, lines } = dialer(t, [v6.target], { dial: '127.0.0.2', sourceState: source })
  ;(await d.dialTcp()).socket.destroy()
  await until(() => v6.peers.length === 1, 5000, 'condition')
  assert.equal(v6.peers[0], '::1')
  assert.equal(source.fallback, false)
  assert.equal(lines.length, 0)
})

test('every target failing is one error naming the count and the last cause', async (t) => {
  const p1 = await refusedPort()
  const p2 = await refusedPort()
  const { d } = dialer(t, [{ host: '127.0.0.1', port: p1 }, { host: '127.0.0.1', port: p2 }], { lbs: 'primary-backup' })
  await assert.rejects(d.dialTcp(), { code: 'NP_ERR_TARGET_REFUSED', message: `all 2 targets failed: connect ECONNREFUSED 127.0.0.1:${p2}` })
  assert.deepEqual(d.health().map((h) => h.up), [false, false])
})

test('bad dialer options are refused with a clear message', () => {
  const { log } = memoryLogger()
  const base = { lbs: 'round-robin' as const, dns: noDns, timeoutMs: 1000, log }
  assert.throws(() => createTargetDialer({ ...base, targets: [], dial: 'auto' }), { message: 'at least one target is required' })
  assert.throws(() => createTargetDialer({ ...base, targets: [{ host: '127.0.0.1', port: 1 }], dial: 'eth0' }), {
    message: 'dial must be an IP address or auto, got "eth0"',
  })
})

test('probeNext measures the connect time of the next target, undefined when it is down', async (t) => {
  const srv = await counting(t)
  const { d } = dialer(t, [srv.target])
  const ms = await d.probeNext(2000)
  assert.equal(typeof ms, 'number')
  const dead = dialer(t, [{ host: '127.0.0.1', port: await refusedPort() }])
  assert.equal(await dead.d.probeNext(2000), undefined)
})
