// The handshake's optional features (x-nodepass-features, reply field npf): offered to a TS client that asks, never
// to a Go client (no capability header) nor to an older TS client (capability but no features header).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { request } from 'node:http'
import { HandshakeServer, clientHandshake } from '../../src/tunnel/handshake.js'
import { FEATURES, FEATURE_REUSE, handshakeToken, type HandshakeConfig } from '../../src/wire.js'
import { serverEnables } from '../../src/tunnel/reuse.js'
import { memLogger } from '../helpers/config.js'

const KEY = 'feature-key'

type Reply = Pick<HandshakeConfig, 'tls' | 'type'>
const QUIC_TLS1: Reply = { tls: '1', type: '1' }

/** A handshake server replying `reply`, enabling features as server.ts does for the matching configuration. */
async function handshakeServer(t: TestContext, reply: Reply = QUIC_TLS1, rate = 0): Promise<{ port: number; hs: HandshakeServer }> {
  const cfg = { type: (['tcp', 'quic', 'ws', 'h2'] as const)[Number(reply.type)]!, tls: { mode: Number(reply.tls) as 0 | 1 }, rate }
  const hs = new HandshakeServer(KEY, { flow: '-', max: 8, ...reply }, memLogger(), serverEnables(cfg))
  const tcp = createServer((s: Socket) => hs.handle(s))
  tcp.listen(0, '127.0.0.1')
  await once(tcp, 'listening')
  t.after(() => {
    hs.close()
    tcp.close()
  })
  const addr = tcp.address()
  return { port: typeof addr === 'object' && addr ? addr.port : 0, hs }
}

function rawHandshake(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { Authorization: `Bearer ${handshakeToken(KEY)}`, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
}

test('a TS client gets quic-end; both ends agree', async (t) => {
  const { port, hs } = await handshakeServer(t)
  const hc = await clientHandshake({ host: '127.0.0.1', port, serverName: 'none', key: KEY, timeoutMs: 5000 })
  assert.deepEqual(hc, { flow: '-', max: 8, tls: '1', type: '1', np: 'ts1', npf: 'quic-end' })
  const accepted = await hs.done
  assert.equal(accepted.tsPeer, true)
  assert.deepEqual(accepted.features, ['quic-end'])
})

test('reuse is enabled for a type-0 TLS pool without a rate limit, and only where the client offers it', async (t) => {
  const cases: [Reply, number, readonly string[] | undefined, string | undefined][] = [
    [{ tls: '1', type: '0' }, 0, undefined, 'quic-end,reuse'],
    [{ tls: '2', type: '0' }, 0, undefined, 'quic-end,reuse'],
    [{ tls: '0', type: '0' }, 0, undefined, 'quic-end'],
    [{ tls: '1', type: '3' }, 0, undefined, 'quic-end'],
    [{ tls: '1', type: '0' }, 100, undefined, 'quic-end'],
    [{ tls: '1', type: '0' }, 0, FEATURES.filter((f) => f !== FEATURE_REUSE), 'quic-end'],
    [{ tls: '1', type: '0' }, 0, [FEATURE_REUSE], 'reuse'],
    [{ tls: '1', type: '0' }, 0, [], undefined],
  ]
  for (const [reply, rate, offered, npf] of cases) {
    const { port, hs } = await handshakeServer(t, reply, rate)
    const hc = await clientHandshake({ host: '127.0.0.1', port, serverName: 'none', key: KEY, timeoutMs: 5000, ...(offered ? { features: offered } : {}) })
    const what = JSON.stringify({ reply, rate, offered })
    assert.equal(hc.npf, npf, what)
    assert.deepEqual((await hs.done).features, npf?.split(',') ?? [], what)
  }
})

test('a Go client (no capability header) gets upstream\'s exact reply, even if it sends a features header', async (t) => {
  const { port, hs } = await handshakeServer(t)
  assert.equal(await rawHandshake(port, { 'x-nodepass-features': 'quic-end' }), '{"flow":"-","max":8,"tls":"1","type":"1"}\n')
  assert.deepEqual((await hs.done).features, [])
})

test('an older TS client (capability, no features header) gets np only', async (t) => {
  const { port, hs } = await handshakeServer(t)
  assert.equal(await rawHandshake(port, { 'x-nodepass-capability': 'ts1' }), '{"flow":"-","max":8,"np":"ts1","tls":"1","type":"1"}\n')
  assert.deepEqual((await hs.done).features, [])
})

test('unknown features are not echoed', async (t) => {
  const { port } = await handshakeServer(t)
  assert.equal(
    await rawHandshake(port, { 'x-nodepass-capability': 'ts1', 'x-nodepass-features': 'warp-drive' }),
    '{"flow":"-","max":8,"np":"ts1","tls":"1","type":"1"}\n',
  )
})
