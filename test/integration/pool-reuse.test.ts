// Pool-connection reuse between two TS ends (feature 'reuse', src/tunnel/reuse.ts) over a type-0 TLS pool: every
// exchange's bytes and ends arrive intact (SHA-256), whichever side ends first, and sequential users share a few pool
// connections instead of consuming one each; a reset still reaches the other side, and the pool goes on serving.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { freePort, listenTcp, sha256, tcpEcho, tcpRoundTrip, until } from '../helpers/net.js'
import { clientCfg, serverCfg } from '../helpers/config.js'
import { startPair, type Running } from '../helpers/tunnel-pair.js'
import type { ServerConfig, ClientConfig } from '../../src/url/types.js'

/** The pool connection IDs the ingress used, one per exchange, in order (from its debug log). */
function exchangeIds(ingress: Running): string[] {
  return ingress.lines.flatMap((l) => /Starting exchange: \S+ <-> ([0-9a-f]{8})$/.exec(l)?.[1] ?? [])
}

/** A TCP hop in front of the server's tunnel port that counts the connections the client opens through it. */
async function countingHop(t: TestContext, to: number): Promise<{ port: number; opened: () => number }> {
  let opened = 0
  const port = await listenTcp(t, (a) => {
    opened++
    const b = connect({ port: to, host: '127.0.0.1', allowHalfOpen: true })
    for (const [x, y] of [[a, b], [b, a]] as const) {
      x.on('error', () => y.destroy())
      x.on('close', () => y.destroy())
      x.pipe(y)
    }
  })
  return { port, opened: () => opened }
}

/**
 * A reverse-mode tls=1 pair in front of `targetPort`, the client reaching the server through a counting hop; returns
 * the public port, the server (the ingress) and the number of connections the client has opened to the server.
 */
async function reversePair(t: TestContext, targetPort: number, server: Partial<ServerConfig> = {}, client: Partial<ClientConfig> = {}): Promise<{ port: number; ingress: Running; egress: Running; opened: () => number }> {
  const tunnelPort = await freePort()
  const hop = await countingHop(t, tunnelPort)
  const port = await freePort()
  const p = await startPair(t, serverCfg(tunnelPort, [port], { tls: { mode: 1 }, ...server }), clientCfg(hop.port, [targetPort], client))
  return { port, ingress: p.server, egress: p.client, opened: hop.opened }
}

const EXCHANGES = 40

test('sequential exchanges over a tls=1 pool reuse its connections, every byte and end intact', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const { port, ingress, egress, opened } = await reversePair(t, echo.port)
  const before = opened()
  const sizes = [0, 1, 100, 16_384, 65_536, 300_000, 1, 2_000_000, 7]
  for (let i = 0; i < EXCHANGES; i++) {
    const payload = randomBytes(sizes[i % sizes.length]!)
    const back = await tcpRoundTrip(port, payload)
    assert.equal(sha256(back), sha256(payload), `exchange ${i}`)
  }
  const ids = exchangeIds(ingress)
  assert.equal(ids.length, EXCHANGES)
  // Without reuse each exchange consumes a connection, which the client replaces with a new one (40 or more).
  assert.ok(new Set(ids).size < ids.length, `every exchange had a connection of its own`)
  assert.ok(opened() - before < EXCHANGES / 2, `connections opened for ${EXCHANGES} exchanges: ${opened() - before}`)
  for (const r of [ingress, egress]) assert.deepEqual(r.lines.filter((l) => l.includes('reuse:')), [])
})

test('forward mode: the client is the ingress, and reuses as well', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const port = await freePort()
  const p = await startPair(t, serverCfg(tunnelPort, [echo.port], { tls: { mode: 1 } }), clientCfg(tunnelPort, [port]))
  for (let i = 0; i < 20; i++) {
    const payload = randomBytes(i * 5_000)
    assert.equal(sha256(await tcpRoundTrip(port, payload)), sha256(payload), `exchange ${i}`)
  }
  const ids = exchangeIds(p.client)
  assert.ok(new Set(ids).size < ids.length, `every exchange had a connection of its own`)
})

test('the target ends first, the user later: both half-closes cross, the next exchange starts clean', async (t) => {
  const reply = randomBytes(150_000)
  // The target sends its reply and its FIN at once, then reads the user's bytes to their end.
  const received: ((hash: string) => void)[] = []
  const targetPort = await listenTcp(t, (s) => {
    const got: Buffer[] = []
    s.end(reply)
    s.on('data', (c: Buffer) => got.push(c))
    s.on('end', () => received.shift()?.(sha256(got)))
  })
  const { port } = await reversePair(t, targetPort)
  for (let i = 0; i < 6; i++) {
    const atTarget = new Promise<string>((r) => received.push(r))
    const user = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const chunks: Buffer[] = []
    user.on('data', (c: Buffer) => chunks.push(c))
    await once(user, 'end') // the target's FIN came through while the user's direction is still open
    assert.equal(sha256(chunks), sha256(reply))
    const payload = randomBytes(40_000 * i)
    user.end(payload)
    assert.equal(await atTarget, sha256(payload), `exchange ${i}`)
  }
})

test('a reset by the target reaches the user, and the pool serves the next users', async (t) => {
  let n = 0
  const targetPort = await listenTcp(t, (s) => {
    // Every other target resets its connection on the first byte; the rest echo.
    if (n++ % 2 === 0) s.once('data', () => s.resetAndDestroy())
    else s.pipe(s)
  })
  const { port } = await reversePair(t, targetPort)
  for (let i = 0; i < 6; i++) {
    const user = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    let error: string | undefined
    user.on('error', (err: NodeJS.ErrnoException) => (error = err.code))
    await once(user, 'connect')
    const payload = randomBytes(10_000)
    const chunks: Buffer[] = []
    user.on('data', (c: Buffer) => chunks.push(c))
    user.end(payload)
    await new Promise((resolve) => user.once('close', resolve))
    if (i % 2 === 0) {
      assert.equal(chunks.length, 0, 'a reset exchange delivers nothing')
      assert.equal(error, 'ECONNRESET', `exchange ${i}`)
    } else {
      assert.equal(sha256(chunks), sha256(payload), `exchange ${i}`)
      assert.equal(error, undefined)
    }
  }
})

test('no reuse where it does not fit: tls=0, or a rate limit at either end', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  for (const [server, client] of [[{ tls: { mode: 0 } }, {}], [{ rate: 1000 }, {}], [{}, { rate: 1000 }]] as const) {
    const { port, ingress } = await reversePair(t, echo.port, server, client)
    for (let i = 0; i < 10; i++) await tcpRoundTrip(port, randomBytes(1000))
    assert.equal(new Set(exchangeIds(ingress)).size, 10, JSON.stringify([server, client]))
  }
})

test('after a burst the ingress keeps at most max freed connections, and the next users are served', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const { port, ingress } = await reversePair(t, echo.port, { max: 4 }, { min: 4 })
  const payloads = Array.from({ length: 16 }, () => randomBytes(200_000))
  const backs = await Promise.all(payloads.map((p) => tcpRoundTrip(port, p)))
  backs.forEach((b, i) => assert.equal(sha256(b), sha256(payloads[i]!), `burst exchange ${i}`))
  await until(() => ingress.tunnel.stats().tcps === 0, 10_000, 'exchanges over')
  assert.ok(ingress.tunnel.stats().pool <= 4, `idle at the ingress: ${ingress.tunnel.stats().pool}`)
  for (let i = 0; i < 10; i++) {
    const payload = randomBytes(1000 * i)
    assert.equal(sha256(await tcpRoundTrip(port, payload)), sha256(payload), `exchange ${i} after the burst`)
  }
})
