// rate= and slot= through real tunnels.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { clientCfg, serverCfg } from '../helpers/config.js'
import { freePort, sha256, tcpEcho, udpEcho, until } from '../helpers/net.js'
import { createSocket } from 'node:dgram'
import { flood, tcpServer } from '../helpers/net-fixtures.js'
import { startPair, startSingle } from '../helpers/tunnel-pair.js'

/**
 * Pushes bytes into `port` as fast as the path takes them and returns the steady-state rate at `sinkBytes()` in
 * Mbit/s over `windowMs`, measured after the first `burstBytes` (the buckets start full).
 */
async function throughput(t: TestContext, port: number, received: () => number, burstBytes: number, windowMs: number): Promise<number> {
  const source = await flood(t, port)
  await until(() => received() >= burstBytes, 30_000, 'initial burst', 5)
  const b0 = received()
  const t0 = performance.now()
  await until(() => performance.now() - t0 >= windowMs, windowMs + 30_000, 'measuring window', 20)
  const bytes = received() - b0
  const secs = (performance.now() - t0) / 1000
  source.stop()
  return (bytes * 8) / secs / 1e6
}

test('rate=40 on the server: a 4 s transfer through a reverse tunnel runs at about 40 Mbit/s; without it much faster', async (t) => {
  let received = 0
  const sink = await tcpServer(t, (s) => s.on('data', (c: Buffer) => (received += c.length)))
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  await startPair(t, serverCfg(tunnelPort, [publicPort], { rate: 40 }), clientCfg(tunnelPort, [sink.port]))
  const limited = await throughput(t, publicPort, () => received, 5_000_000, 4000)
  t.diagnostic(`rate=40 through the tunnel: ${limited.toFixed(1)} Mbit/s`)
  assert.ok(limited >= 40 * 0.6 && limited <= 40 * 1.25, `measured ${limited.toFixed(1)} Mbit/s`)

  let freeReceived = 0
  const sink2 = await tcpServer(t, (s) => s.on('data', (c: Buffer) => (freeReceived += c.length)))
  const tunnel2 = await freePort()
  const public2 = await freePort()
  await startPair(t, serverCfg(tunnel2, [public2]), clientCfg(tunnel2, [sink2.port]))
  const free = await throughput(t, public2, () => freeReceived, 5_000_000, 1000)
  t.diagnostic(`no rate through the tunnel: ${free.toFixed(1)} Mbit/s`)
  assert.ok(free > 40 * 2, `without rate only ${free.toFixed(1)} Mbit/s`)
})

test('rate=40 in single-end mode limits the same way', async (t) => {
  let received = 0
  const sink = await tcpServer(t, (s) => s.on('data', (c: Buffer) => (received += c.length)))
  const listen = await freePort()
  await startSingle(t, clientCfg(listen, [sink.port], { rate: 40 }))
  const limited = await throughput(t, listen, () => received, 5_000_000, 4000)
  t.diagnostic(`single-end rate=40: ${limited.toFixed(1)} Mbit/s`)
  assert.ok(limited >= 40 * 0.6 && limited <= 40 * 1.25, `measured ${limited.toFixed(1)} Mbit/s`)
})

/** Opens n connections at once; each sends one byte and counts as served when it is echoed. */
async function burst(port: number, n: number): Promise<{ served: Socket[]; refused: number }> {
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Socket | undefined>((resolve) => {
        const s = connect(port, '127.0.0.1')
        s.on('error', () => {})
        const timer = setTimeout(() => {
          s.destroy()
          resolve(undefined)
        }, 15_000)
        s.once('connect', () => s.write('x'))
        s.once('data', () => {
          clearTimeout(timer)
          resolve(s)
        })
        s.once('close', () => {
          clearTimeout(timer)
          resolve(undefined)
        })
      }),
    ),
  )
  const served = results.filter((s): s is Socket => s !== undefined)
  return { served, refused: n - served.length }
}

test('slot=20 with 40 simultaneous connections: exactly 20 served, the rest refused at once, counters back to 0', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const { server, client } = await startPair(t, serverCfg(tunnelPort, [publicPort], { slot: 20 }), clientCfg(tunnelPort, [echo.port], { min: 64 }))
  const { served, refused } = await burst(publicPort, 40)
  t.after(() => served.forEach((s) => s.destroy()))
  assert.equal(served.length, 20)
  assert.equal(refused, 20)
  assert.equal(server.tunnel.stats().tcps, 20)
  assert.equal(server.lines.filter((l) => l.includes('ERROR  TCP slot limit reached: 20/20')).length, 20)
  for (const s of served) s.destroy()
  await until(() => server.tunnel.stats().tcps === 0 && client.tunnel.stats().tcps === 0, 10_000, 'slots released')
  // Freed slots are usable again.
  const again = await burst(publicPort, 5)
  assert.equal(again.served.length, 5)
  again.served.forEach((s) => s.destroy())
})

test('slot=20 in single-end mode: exactly 20 of 40 served', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const listen = await freePort()
  const c = await startSingle(t, clientCfg(listen, [echo.port], { slot: 20 }))
  const { served } = await burst(listen, 40)
  assert.equal(served.length, 20)
  for (const s of served) s.destroy()
  await until(() => c.tunnel.stats().tcps === 0, 10_000, 'slots released')
})

test('rate=1 on UDP: datagrams are paced, not dropped or reordered (single-end)', async (t) => {
  const echo = await udpEcho()
  t.after(() => echo.close())
  const listen = await freePort()
  await startSingle(t, clientCfg(listen, [echo.port], { rate: 1 }))
  const user = createSocket('udp4')
  t.after(() => user.close())
  user.bind(0, '127.0.0.1')
  await once(user, 'listening')
  // 32 × 8 KB = 256 KB each way at 125 KB/s: more than the initial bucket, so most datagrams wait for tokens.
  // Sent in rounds of 4 (a bigger burst overflows the kernel's socket buffers on its own, limiter or not).
  const sent = Array.from({ length: 32 }, (_, i) => Buffer.concat([Buffer.from([i]), randomBytes(8191)]))
  const got: Buffer[] = []
  let wake: (() => void) | undefined
  user.on('message', (m: Buffer) => {
    got.push(m)
    wake?.()
  })
  for (let round = 0; round < 8; round++) {
    const want = (round + 1) * 4
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`round ${round}: ${got.length}/${want} datagrams back`)), 20_000)
      wake = () => {
        if (got.length >= want) {
          clearTimeout(timer)
          resolve()
        }
      }
    })
    for (const d of sent.slice(round * 4, want)) user.send(d, listen, '127.0.0.1')
    await arrived
  }
  assert.deepEqual(got.map((d) => d[0]), sent.map((d) => d[0]))
  assert.equal(sha256(Buffer.concat(got)), sha256(Buffer.concat(sent)))
})
