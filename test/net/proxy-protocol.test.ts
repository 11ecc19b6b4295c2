import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { once } from 'node:events'
import { formatProxyV1, normaliseIp, parseProxyV1 } from '../../src/net/proxy-protocol.js'
import { tcpServer } from '../helpers/net-fixtures.js'

test('PROXY v1 header text for IPv4, IPv6, mapped and mixed addresses', () => {
  const cases: [Parameters<typeof formatProxyV1>[0], string][] = [
    [{ srcHost: '192.0.2.1', srcPort: 5000, dstHost: '127.0.0.1', dstPort: 80 }, 'PROXY TCP4 192.0.2.1 127.0.0.1 5000 80\r\n'],
    [{ srcHost: '::ffff:10.0.0.1', srcPort: 1, dstHost: '::FFFF:10.0.0.2', dstPort: 2 }, 'PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n'],
    [{ srcHost: '[::1]', srcPort: 40000, dstHost: '2001:db8::5', dstPort: 443 }, 'PROXY TCP6 ::1 2001:db8::5 40000 443\r\n'],
    [{ srcHost: '10.0.0.1', srcPort: 1, dstHost: '::1', dstPort: 2 }, 'PROXY TCP6 ::ffff:10.0.0.1 ::1 1 2\r\n'],
  ]
  for (const [addr, header] of cases) assert.equal(formatProxyV1(addr), header)
  assert.equal(normaliseIp('fe80::1%eth0'), 'fe80::1')
  assert.throws(() => formatProxyV1({ srcHost: 'example.com', srcPort: 1, dstHost: '::1', dstPort: 2 }), {
    message: 'PROXY header: source address "example.com" is not an IP',
  })
  assert.throws(() => formatProxyV1({ srcHost: '::1', srcPort: 70000, dstHost: '::1', dstPort: 2 }), {
    message: 'PROXY header: bad port 70000 or 2',
  })
})

test('PROXY v1 parser: partial, complete with payload, and malformed headers', () => {
  assert.equal(parseProxyV1(Buffer.from('PROXY TCP4 1.2.3.4')), undefined)
  assert.equal(parseProxyV1(Buffer.from('PRO')), undefined)
  const r = parseProxyV1(Buffer.from('PROXY TCP6 ::1 ::2 1 2\r\nhello'))!
  assert.deepEqual(r.header, { family: 'TCP6', srcHost: '::1', dstHost: '::2', srcPort: 1, dstPort: 2 })
  assert.equal(r.rest.toString(), 'hello')
  assert.throws(() => parseProxyV1(Buffer.from('GET / HTTP/1.1\r\n')), {
    message: 'PROXY header: malformed line "GET / HTTP/1.1"',
  })
  assert.throws(() => parseProxyV1(Buffer.from('GET / HT')), { message: 'PROXY header: bad signature' })
  assert.throws(() => parseProxyV1(Buffer.from('PROXY TCP4 ::1 ::2 1 2\r\n')), {
    message: 'PROXY header: addresses do not match TCP4',
  })
  assert.throws(() => parseProxyV1(Buffer.from('PROXY TCP4 1.1.1.1 2.2.2.2 1 99999\r\n')), {
    message: 'PROXY header: port out of range',
  })
  assert.throws(() => parseProxyV1(Buffer.alloc(107, 0x50)), { message: 'PROXY header: no CRLF within 107 bytes' })
})

test('a PROXY header built from real socket addresses parses back at the receiver', async (t) => {
  let resolveHeader!: (b: Buffer) => void
  const atTarget = new Promise<Buffer>((r) => (resolveHeader = r))
  const target = await tcpServer(t, (s) => {
    let buf = Buffer.alloc(0)
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      if (buf.includes('payload')) resolveHeader(buf)
    })
  }, '::1')
  const s = connect(target.port, '::1')
  s.on('error', () => {})
  t.after(() => s.destroy())
  await once(s, 'connect')
  s.write(formatProxyV1({ srcHost: s.localAddress!, srcPort: s.localPort!, dstHost: s.remoteAddress!, dstPort: s.remotePort! }))
  s.write('payload')
  const parsed = parseProxyV1(await atTarget)!
  assert.deepEqual(parsed.header, { family: 'TCP6', srcHost: '::1', srcPort: s.localPort, dstHost: '::1', dstPort: target.port })
  assert.equal(parsed.rest.toString(), 'payload')
})
