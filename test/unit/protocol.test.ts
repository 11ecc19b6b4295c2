// Golden bytes of docs/protocol.md (computed independently of this code).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  checkAuthorization, decodeHandshakeConfig, decodeSignal, defaultTunnelKey, encodeHandshakeConfig, encodeSignal,
  fingerprint, handshakeToken, hexToId, idToHex, knownFeatures,
} from '../../src/wire.js'
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'

test('default tunnel key is FNV-1a 32 of the port string', () => {
  assert.equal(defaultTunnelKey('10101'), 'e68be2b4')
  assert.equal(defaultTunnelKey('443'), '2339c1b2')
  assert.equal(defaultTunnelKey('8080'), '40c0f1e5')
  assert.equal(defaultTunnelKey('1'), '340ca71c')
})

test('handshake token is hex HMAC-SHA256(key, "")', () => {
  assert.equal(handshakeToken('abc'), 'e2636077506729a8f61aff2441332e40e844a8ad44489efd80210ea6d1f51088')
  assert.equal(handshakeToken('barkey'), 'ab59f8a8f7cb15df72e974acdb098e8395779100d3f86a159b4f969f3864ebed')
  assert.equal(handshakeToken('e68be2b4'), '8940572756af096447802f92b4c843ac61de93b80af9d37a85ed994508656d7e')
  assert.equal(checkAuthorization('Bearer ' + handshakeToken('abc'), 'abc'), true)
  assert.equal(checkAuthorization('Bearer ' + handshakeToken('abd'), 'abc'), false)
  assert.equal(checkAuthorization('bearer ' + handshakeToken('abc'), 'abc'), false)
  assert.equal(checkAuthorization(undefined, 'abc'), false)
})

const LINES: Array<[string, object, string]> = [
  ['abc', { action: 'ping' }, 'GkACAhYKDgxBW0ATCAwEQx8=\n'],
  ['abc', { action: 'pong' }, 'GkACAhYKDgxBW0ATDgwEQx8=\n'],
  ['barkey', { action: 'tcp', remote: '127.0.0.1:54321', id: '0a1b2c3d' },
    'GUMTCBEQDQ9QUUcNARFQR0cLBwwdHwBbWENDWVJXUk9CRVRDV1VBWVRbTkMbD0dDQFETWgdLAVIWSRg=\n'],
  ['barkey', { action: 'verify', id: '00ff00ff', fp: 'sha256:AB:CD' },
    'GUMTCBEQDQ9QUUcPBxMbDRxbTkMbD0dDQFFCDQNJUgcUSUlbBBFQUUcKCgBAXlNDIyNIKCFbHw==\n'],
  ['k', { action: 'flush' }, 'EEkKCB8CBAVJUUkNBx4YA0kW\n'],
  // TS↔TS only (feature reuse): the end of a direction with its byte count, and the release of the connection.
  ['abc', { action: 'fin', id: '0a1b2c3d', n: 300000 }, 'GkACAhYKDgxBW0AFCAxBTUAKBUBZQ1ICUABRAlEHQ05BD0BZUlJTUVJTHA==\n'],
  ['abc', { action: 'free', id: '0a1b2c3d' }, 'GkACAhYKDgxBW0AFEwcGQ05BCAZBW0BTAFMBUwFQBUAe\n'],
]

test('control lines are base64(XOR(JSON, key)) + newline, both ways', () => {
  for (const [key, sig, line] of LINES) {
    assert.equal(encodeSignal(sig as never, key), line)
    assert.deepEqual(decodeSignal(line, key), sig)
  }
})

test('bad control lines are rejected with a reason', () => {
  assert.throws(() => decodeSignal('not base64!\n', 'abc'), /signal is not base64/)
  assert.throws(() => decodeSignal('GkACAhYKDgxBW0ATCAwEQx8=\n', 'xyz'), /signal is not JSON \(wrong tunnel key\?\)/)
  assert.throws(() => decodeSignal(Buffer.from('{"action":').toString('base64'), ''), /not JSON/)
  assert.throws(() => decodeSignal(Buffer.from('[1]').toString('base64'), ''), /unknown signal action undefined/)
  assert.throws(() => decodeSignal(Buffer.from('{"action":"tcp","id":5}').toString('base64'), ''), /signal field id is not a string/)
  for (const n of ['"5"', '-1', '1.5', '9007199254740992', 'null']) {
    const line = Buffer.from(`{"action":"fin","id":"0a1b2c3d","n":${n}}`).toString('base64')
    assert.throws(() => decodeSignal(line, ''), new RegExp(`^Error: signal field n is not a byte count: ${n.replace('.', '\\.')}$`))
  }
  const bogus = Buffer.from('{"action":"dance"}').toString('base64')
  assert.throws(() => decodeSignal(bogus, ''), /unknown signal action "dance"/)
})

test('handshake config JSON: sorted keys, numeric max, string fields', () => {
  assert.equal(encodeHandshakeConfig({ flow: '-', max: 1024, tls: '1', type: '0' }), '{"flow":"-","max":1024,"tls":"1","type":"0"}\n')
  assert.deepEqual(decodeHandshakeConfig('{"flow":"-","max":1024,"tls":"1","type":"0"}\n'), { flow: '-', max: 1024, tls: '1', type: '0' })
  assert.deepEqual(decodeHandshakeConfig('{"flow":"+","max":8,"np":"ts1","tls":"0","type":"2"}'), { flow: '+', max: 8, tls: '0', type: '2', np: 'ts1' })
  assert.equal(
    encodeHandshakeConfig({ flow: '-', max: 8, np: 'ts1', npf: 'quic-end', tls: '1', type: '1' }),
    '{"flow":"-","max":8,"np":"ts1","npf":"quic-end","tls":"1","type":"1"}\n',
  )
  assert.deepEqual(decodeHandshakeConfig('{"flow":"-","max":8,"np":"ts1","npf":"quic-end","tls":"1","type":"1"}'), { flow: '-', max: 8, tls: '1', type: '1', np: 'ts1', npf: 'quic-end' })
  assert.deepEqual(decodeHandshakeConfig('{"flow":"-","max":8,"npf":7,"tls":"1","type":"1"}'), { flow: '-', max: 8, tls: '1', type: '1' })
  assert.throws(() => decodeHandshakeConfig('{"flow":"-","max":"1024","tls":"1","type":"0"}'), /bad max/)
  assert.throws(() => decodeHandshakeConfig('{"flow":"-","max":1,"tls":1,"type":"0"}'), /bad tls/)
  assert.throws(() => decodeHandshakeConfig('{"flow":"-","max":1,"tls":"1","type":"9"}'), /unknown pool type "9"/)
})

test('optional features: only known names survive, in the order given', () => {
  assert.deepEqual(knownFeatures('quic-end'), ['quic-end'])
  assert.deepEqual(knownFeatures(' warp-drive , quic-end,'), ['quic-end'])
  assert.deepEqual(knownFeatures(''), [])
  assert.deepEqual(knownFeatures(undefined), [])
})

test('pool ids: 4 raw bytes <-> 8 lowercase hex', () => {
  assert.equal(idToHex(Buffer.from([0, 0, 0, 0])), '00000000')
  assert.equal(idToHex(Buffer.from([0x0a, 0x1b, 0x2c, 0x3d])), '0a1b2c3d')
  assert.deepEqual(hexToId('0a1b2c3d'), Buffer.from([0x0a, 0x1b, 0x2c, 0x3d]))
  assert.throws(() => hexToId('0A1B2C3D'), /bad pool id/)
})

test('fingerprint text equals sha256 of the DER in colon-separated uppercase hex', () => {
  const der = Buffer.from('not really a certificate')
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase()
  assert.equal(fingerprint(der), 'sha256:' + hex.match(/../g)!.join(':'))
  assert.match(fingerprint(der), /^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  const pem = readFileSync(new URL('../../../test/fixtures/tls/server.crt', import.meta.url), 'utf8')
  const cert = new X509Certificate(pem)
  assert.equal(fingerprint(cert.raw), 'sha256:' + cert.fingerprint256)
})
