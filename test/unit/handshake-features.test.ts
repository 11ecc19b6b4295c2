// The handshake's optional features (x-nodepass-features, reply field npf): offered to a TS client that asks, never
// to a Go client (no capability header) nor to an older TS client (capability but no features header).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { request } from 'node:http'
import { HandshakeServer, clientHandshake } from '../../src/tunnel/handshake.js'
import { handshakeToken } from '../../src/wire.js'
import { memLogger } from '../helpers/config.js'

const KEY = 'feature-key'

async function handshakeServer(t: TestContext): Promise<{ port: number; hs: HandshakeServer }> {
  const hs = new HandshakeServer(KEY, { flow: '-', max: 8, tls: '1', type: '1' }, memLogger())
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
