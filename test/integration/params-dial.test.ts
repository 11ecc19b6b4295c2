// dns=, dial=, read= and multi-target lbs= through real tunnels.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { clientCfg, serverCfg } from '../helpers/config.js'
import { freePort, until } from '../helpers/net.js'
import { dnsServer, tcpServer } from '../helpers/net-fixtures.js'
import { startPair, startSingle } from '../helpers/tunnel-pair.js'
import { parseTunnelUrl } from '../../src/url/parse.js'

/** A target that greets every connection with its name and records the peer address. */
async function named(t: TestContext, name: string, host = '127.0.0.1', port = 0) {
  const peers: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    peers.push(s.remoteAddress!)
    s.end(name)
  })
  server.listen(port, host)
  await once(server, 'listening')
  const close = (): Promise<void> => {
    for (const s of sockets) s.destroy()
    return new Promise((r) => server.close(() => r()))
  }
  t.after(close)
  const addr = server.address() as { port: number }
  return { port: addr.port, peers, close }
}

/** Connects through `port` and returns the greeting of whichever target answered. */
async function greet(port: number, host = '127.0.0.1'): Promise<string> {
  const s = connect(port, host)
  s.on('error', () => {})
  const chunks: Buffer[] = []
  s.on('data', (c: Buffer) => chunks.push(c))
  await Promise.race([once(s, 'end'), once(s, 'close')])
  s.destroy()
  return Buffer.concat(chunks).toString()
}

test('dns: a target name is re-resolved only after the TTL (test DNS server on 127.0.0.1)', async (t) => {
  const dns = await dnsServer(t)
  const a = await named(t, 'A', '127.0.0.1')
  const b = await named(t, 'B', '127.0.0.2', a.port)
  dns.records.set('svc.test', '127.0.0.1')
  const ttl = 1500
  const listen = await freePort()
  await startSingle(t, clientCfg(listen, [], {
    targets: [{ host: 'svc.test', port: a.port }],
    dns: { ttlMs: ttl, servers: [`127.0.0.1:${dns.port}`] },
  }), { reportIntervalMs: 60_000 })
  const asked = (): number => dns.queries.filter((q) => q.name === 'svc.test' && q.type === 'A').length
  // Connect until one connection makes a fresh lookup (the cache entry expired), so a full TTL lies ahead.
  const before = asked()
  await until(async () => (await greet(listen)) === 'A' && asked() > before, 15_000, 'a fresh lookup', 50)
  const freshAt = performance.now()
  dns.records.set('svc.test', '127.0.0.2')
  assert.equal(await greet(listen), 'A', 'the cached answer must be used within the TTL')
  assert.ok(performance.now() - freshAt < ttl, 'the check above ran inside the TTL')
  await until(async () => (await greet(listen)) === 'B', 15_000, 'the new address', 50)
  const asks = dns.queries.filter((q) => q.name === 'svc.test' && q.type === 'A').map((q) => q.at)
  for (let i = 1; i < asks.length; i++) assert.ok(asks[i]! - asks[i - 1]! >= ttl - 5, `asked again after ${asks[i]! - asks[i - 1]!}ms`)
  assert.ok(b.peers.length >= 1)
})

test('dial=127.0.0.2: target connections leave from that address (single-end and reverse egress)', async (t) => {
  const target = await named(t, 'T')
  const listen = await freePort()
  await startSingle(t, clientCfg(listen, [target.port], { dial: '127.0.0.2' }))
  assert.equal(await greet(listen), 'T')
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  await startPair(t, serverCfg(tunnelPort, [publicPort]), clientCfg(tunnelPort, [target.port], { dial: '127.0.0.2' }))
  assert.equal(await greet(publicPort), 'T')
  // Single-end health probes also dial the target; every connection came from 127.0.0.2.
  assert.ok(target.peers.length >= 2)
  assert.deepEqual([...new Set(target.peers)], ['127.0.0.2'])
})

test('dial=: a bad address is a startup error; an unusable one falls back with one warning', async (t) => {
  const bad = parseTunnelUrl('client://127.0.0.1:10101/127.0.0.1:8080?dial=eth0')
  assert.equal(bad.ok, false)
  assert.ok(!bad.ok && bad.issues.includes('dial: must be an IP address or auto, got "eth0"'), JSON.stringify(bad))
  const target = await named(t, 'T')
  const listen = await freePort()
  const c = await startSingle(t, clientCfg(listen, [target.port], { dial: '192.0.2.1' }))
  for (let i = 0; i < 3; i++) assert.equal(await greet(listen), 'T')
  assert.deepEqual([...new Set(target.peers)], ['127.0.0.1'])
  const warns = c.lines.filter((l) => l.includes('dial=192.0.2.1 unusable'))
  assert.equal(warns.length, 1, warns.join('\n'))
})

test('read=1s closes an idle connection and keeps an active one (single-end and reverse)', async (t) => {
  const sink = await tcpServer(t, (s) => s.resume())
  const listen = await freePort()
  await startSingle(t, clientCfg(listen, [sink.port], { readMs: 1000 }))
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  await startPair(t, serverCfg(tunnelPort, [publicPort], { readMs: 1000 }), clientCfg(tunnelPort, [sink.port]))
  for (const port of [listen, publicPort]) {
    const idle = connect(port, '127.0.0.1')
    idle.on('error', () => {})
    t.after(() => idle.destroy())
    const active = connect(port, '127.0.0.1')
    active.on('error', () => {})
    t.after(() => active.destroy())
    await Promise.all([once(idle, 'connect'), once(active, 'connect')])
    let activeClosed = false
    active.once('close', () => (activeClosed = true))
    const t0 = performance.now()
    const idleClosed = once(idle, 'close')
    // Keep `active` busy for 3 s (three idle periods), a write every 100 ms: 10x margin for a loaded machine.
    for (let i = 0; i < 30; i++) {
      active.write('ping')
      await new Promise((r) => setTimeout(r, 100))
    }
    await idleClosed
    assert.equal(activeClosed, false, `the active connection through port ${port} was closed`)
    assert.ok(performance.now() - t0 >= 950)
    await once(active, 'close')
  }
})

test('lbs=0 round-robin spreads connections evenly over three targets (reverse egress)', async (t) => {
  const ts = await Promise.all(['A', 'B', 'C'].map((n) => named(t, n)))
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  await startPair(t, serverCfg(tunnelPort, [publicPort]), clientCfg(tunnelPort, ts.map((x) => x.port), { lbs: 'round-robin' }))
  const seen: Record<string, number> = {}
  for (let i = 0; i < 12; i++) {
    const g = await greet(publicPort)
    seen[g] = (seen[g] ?? 0) + 1
  }
  assert.deepEqual(seen, { A: 4, B: 4, C: 4 })
})

test('lbs=2 primary-backup: first target until it is down, fail over, return when it is back', async (t) => {
  const primary = await named(t, 'P')
  const backup = await named(t, 'B')
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const { client } = await startPair(t, serverCfg(tunnelPort, [publicPort]), clientCfg(tunnelPort, [primary.port, backup.port], { lbs: 'primary-backup' }))
  for (let i = 0; i < 3; i++) assert.equal(await greet(publicPort), 'P')
  await primary.close()
  const after: string[] = []
  for (let i = 0; i < 5; i++) after.push(await greet(publicPort))
  assert.deepEqual(after, ['B', 'B', 'B', 'B', 'B'])
  assert.equal(client.lines.filter((l) => l.includes(`Target 127.0.0.1:${primary.port} marked down`)).length, 1)
  const back = await named(t, 'P', '127.0.0.1', primary.port)
  await until(() => client.lines.some((l) => l.includes(`Target 127.0.0.1:${primary.port} is back`)), 20_000, 'primary re-probed')
  assert.equal(await greet(publicPort), 'P')
  assert.ok(back.peers.length >= 2, 'the probe and the connection')
})

test('lbs=1 prefers the target with the lowest connect time (a slow name lookup makes one slow)', async (t) => {
  const dns = await dnsServer(t)
  const slow = await named(t, 'slow')
  const fast = await named(t, 'fast')
  dns.records.set('slow.test', '127.0.0.1')
  dns.records.set('fast.test', '127.0.0.1')
  dns.delays.set('slow.test', 200)
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  await startPair(t, serverCfg(tunnelPort, [publicPort]), clientCfg(tunnelPort, [], {
    targets: [{ host: 'slow.test', port: slow.port }, { host: 'fast.test', port: fast.port }],
    lbs: 'latency', dns: { ttlMs: 0, servers: [`127.0.0.1:${dns.port}`] },
  }))
  const seen: string[] = []
  for (let i = 0; i < 10; i++) seen.push(await greet(publicPort))
  assert.deepEqual(seen.slice(0, 2), ['slow', 'fast'], 'each target is measured first')
  assert.deepEqual(seen.slice(2), Array(8).fill('fast'))
})
