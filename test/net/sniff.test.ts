import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { once } from 'node:events'
import { blockedMessage, classify, sniff, type SniffResult } from '../../src/net/sniff.js'
import type { BlockConfig } from '../../src/url/types.js'
import { tcpServer } from '../helpers/net-fixtures.js'

const ALL: BlockConfig = { socks: true, http: true, tls: true }
const NONE: BlockConfig = { socks: false, http: false, tls: false }
const b = (...xs: number[]): Buffer => Buffer.from(xs)

test('classify follows the SOCKS/HTTP/TLS matching rules and decides as early as it can', () => {
  assert.equal(classify(b(0x04, 0x01, 0, 80), ALL), 'SOCKS4')
  assert.equal(classify(b(0x04, 0x02), ALL), 'SOCKS4')
  assert.equal(classify(b(0x04, 0x03), ALL), 'pass')
  assert.equal(classify(b(0x05, 0x01, 0x00), ALL), 'SOCKS5')
  assert.equal(classify(b(0x05, 0x03), ALL), 'SOCKS5')
  assert.equal(classify(b(0x05, 0x04), ALL), 'pass')
  assert.equal(classify(b(0x05), ALL), 'more')
  assert.equal(classify(Buffer.from('GET / HTTP/1.1'), ALL), 'HTTP')
  assert.equal(classify(Buffer.from('OPTIONS * HTTP/1.1'), ALL), 'HTTP')
  assert.equal(classify(Buffer.from('CONNECT x:443'), ALL), 'HTTP')
  assert.equal(classify(Buffer.from('GE'), ALL), 'more')
  assert.equal(classify(Buffer.from('Get /'), ALL), 'pass')
  assert.equal(classify(Buffer.from('ABCDEFGHI'), ALL), 'pass')
  assert.equal(classify(Buffer.from('SSH-2.0-x'), ALL), 'pass')
  assert.equal(classify(b(0x16, 0x03, 0x01), ALL), 'TLS')
  assert.equal(classify(b(0x16), ALL), 'TLS')
  assert.equal(classify(b(0x16), { socks: true, http: true, tls: false }), 'pass')
  assert.equal(classify(Buffer.from('GET / '), { socks: true, http: false, tls: true }), 'pass')
  assert.equal(classify(b(0x05, 0x01), { socks: false, http: true, tls: true }), 'pass')
  assert.equal(classify(Buffer.alloc(0), NONE), 'pass')
  assert.equal(blockedMessage('SOCKS5', '127.0.0.1:5555'), 'blocked SOCKS5 protocol from 127.0.0.1:5555')
})

/** A server that sniffs every accepted connection; the test client then does what `act` says. */
async function sniffOne(
  t: TestContext,
  block: BlockConfig,
  act: (s: Socket, port: number) => void,
  timeoutMs = 200,
): Promise<{ result: SniffResult; ms: number; socket: Socket }> {
  let done!: (v: { result: SniffResult; ms: number; socket: Socket }) => void
  const p = new Promise<{ result: SniffResult; ms: number; socket: Socket }>((r) => (done = r))
  const srv = await tcpServer(t, (s) => {
    const t0 = performance.now()
    void sniff(s, block, timeoutMs).then((result) => done({ result, ms: performance.now() - t0, socket: s }))
  })
  const client = connect(srv.port, '127.0.0.1')
  client.on('error', () => {})
  t.after(() => client.destroy())
  await once(client, 'connect')
  act(client, srv.port)
  return p
}

test('SOCKS5, SOCKS4 and HTTP clients are recognised on real connections', async (t) => {
  const s5 = await sniffOne(t, ALL, (c) => c.write(b(0x05, 0x01, 0x00)))
  assert.equal(s5.result.blocked, 'SOCKS5')
  const s4 = await sniffOne(t, { socks: true, http: false, tls: false }, (c) => c.write(b(0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4, 0)))
  assert.equal(s4.result.blocked, 'SOCKS4')
  const http = await sniffOne(t, { socks: false, http: true, tls: false }, (c) => {
    c.write('GE')
    setImmediate(() => c.write('T /index.html HTTP/1.1\r\nHost: x\r\n\r\n'))
  })
  assert.equal(http.result.blocked, 'HTTP')
  assert.equal(http.result.head.subarray(0, 4).toString(), 'GET ')
})

test('a real TLS ClientHello is blocked by block=3', async (t) => {
  const r = await sniffOne(t, { socks: false, http: false, tls: true }, (c) => {
    const tls = tlsConnect({ socket: c, servername: 'example.test', rejectUnauthorized: false })
    tls.on('error', () => {})
    t.after(() => tls.destroy())
  })
  assert.equal(r.result.blocked, 'TLS')
  assert.equal(r.result.head[0], 0x16)
})

test('other traffic passes with its peeked bytes, the socket left paused and intact', async (t) => {
  const r = await sniffOne(t, ALL, (c) => c.write('SSH-2.0-OpenSSH_9.6\r\n'))
  assert.equal(r.result.blocked, undefined)
  assert.equal(r.result.ended, false)
  assert.equal(r.result.head.toString(), 'SSH-2.0-OpenSSH_9.6\r\n')
  assert.equal(r.socket.isPaused(), true)
  assert.equal(r.socket.listenerCount('data'), 0)
})

test('a silent client (server speaks first) is let through after the short timeout, not stalled', async (t) => {
  const r = await sniffOne(t, ALL, () => {}, 150)
  assert.equal(r.result.blocked, undefined)
  assert.equal(r.result.head.length, 0)
  assert.ok(r.ms < 5000, `sniffing a silent client took ${r.ms}ms`)
})

test('a partial prefix followed by EOF passes with ended=true', async (t) => {
  const r = await sniffOne(t, ALL, (c) => c.end(b(0x05)))
  assert.equal(r.result.blocked, undefined)
  assert.equal(r.result.ended, true)
  assert.deepEqual([...r.result.head], [0x05])
})
