import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { createDataPlane, parseHostPort, peerText, type AdmittedTcp } from '../../src/net/plane.js'
import { parseProxyV1 } from '../../src/net/proxy-protocol.js'
import type { ClientConfig } from '../../src/url/types.js'
import { memoryLogger, tcpServer } from '../helpers/net-fixtures.js'

function config(over: Partial<ClientConfig>): ClientConfig {
  return {
    role: 'client', key: 'k', keyIsDefault: false, tunnel: { host: '127.0.0.1', port: 1 }, targets: [{ host: '127.0.0.1', port: 1 }],
    log: 'debug', dns: { ttlMs: 1000, servers: [] }, lbs: 'round-robin', mode: 1, dial: 'auto', readMs: 0, rate: 0, slot: 0,
    proxy: false, block: { socks: false, http: false, tls: false }, notcp: false, noudp: false, sni: 'none', min: 1, max: 1,
    ...over,
  }
}

/** Admits every connection to a fresh server through `plane.admitTcp`, resolving the verdicts in order. */
async function admitting(t: TestContext, plane: ReturnType<typeof createDataPlane>) {
  const verdicts: Array<Promise<AdmittedTcp | undefined>> = []
  let arrived = 0
  const srv = await tcpServer(t, (s: Socket) => {
    arrived++
    verdicts.push(plane.admitTcp(s, peerText(s)))
  })
  return { port: srv.port, verdicts, arrived: () => arrived }
}

test('admitTcp: the slot limit refuses at once with the ERROR line, and slots come back', async (t) => {
  const { log, lines } = memoryLogger()
  const plane = createDataPlane(config({ slot: 2 }), { log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000 })
  t.after(() => plane.close())
  const srv = await admitting(t, plane)
  const clients: Socket[] = []
  for (let i = 0; i < 3; i++) {
    const c = connect(srv.port, '127.0.0.1')
    c.on('error', () => {})
    clients.push(c)
    t.after(() => c.destroy())
    await once(c, 'connect')
  }
  const deadline = Date.now() + 5000
  while (srv.verdicts.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  const results = await Promise.all(srv.verdicts)
  assert.equal(results.filter((r) => r !== undefined).length, 2)
  assert.equal(results[2], undefined)
  assert.ok(lines.some((l) => l.endsWith('ERROR  TCP slot limit reached: 2/2')), lines.join('\n'))
  await once(clients[2]!, 'close')
  for (const r of results) r?.slot.release()
  assert.equal(plane.slots.tcp, 0)
})

test('admitTcp: block=2 refuses an HTTP client with the WARN line and returns the slot', async (t) => {
  const { log, lines } = memoryLogger()
  const plane = createDataPlane(config({ slot: 5, block: { socks: false, http: true, tls: false } }), {
    log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000,
  })
  t.after(() => plane.close())
  const srv = await admitting(t, plane)
  const c = connect(srv.port, '127.0.0.1')
  c.on('error', () => {})
  t.after(() => c.destroy())
  await once(c, 'connect')
  const port = c.localPort
  c.write('GET / HTTP/1.1\r\n\r\n')
  await once(c, 'close')
  assert.equal(await srv.verdicts[0], undefined)
  assert.ok(lines.some((l) => l.endsWith(`WARN  blocked HTTP protocol from 127.0.0.1:${port}`)), lines.join('\n'))
  assert.equal(plane.slots.tcp, 0)
})

test('dialTarget writes the PROXY header with the user address before anything else', async (t) => {
  let gotHeader!: (b: Buffer) => void
  const header = new Promise<Buffer>((r) => (gotHeader = r))
  const target = await tcpServer(t, (s) => s.once('data', (c: Buffer) => gotHeader(c)))
  const { log } = memoryLogger()
  const plane = createDataPlane(config({ proxy: true, targets: [{ host: '127.0.0.1', port: target.port }] }), {
    log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000,
  })
  t.after(() => plane.close())
  const d = await plane.dialTarget({ host: '::ffff:198.51.100.7', port: 40000 })
  d.socket.on('error', () => {})
  t.after(() => d.socket.destroy())
  const parsed = parseProxyV1(await header)!
  assert.deepEqual(parsed.header, { family: 'TCP4', srcHost: '198.51.100.7', srcPort: 40000, dstHost: '127.0.0.1', dstPort: target.port })
})

test('peerText and parseHostPort round-trip IPv4 and IPv6', () => {
  assert.equal(peerText({ remoteAddress: '::1', remotePort: 5 }), '[::1]:5')
  assert.equal(peerText({ remoteAddress: '127.0.0.1', remotePort: 6 }), '127.0.0.1:6')
  assert.deepEqual(parseHostPort('[::1]:5'), { host: '::1', port: 5 })
  assert.deepEqual(parseHostPort('127.0.0.1:6'), { host: '127.0.0.1', port: 6 })
  assert.equal(parseHostPort('127.0.0.1'), undefined)
  assert.equal(parseHostPort('1.2.3.4:70000'), undefined)
})
