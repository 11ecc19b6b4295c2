// The one writer and the lenient reader of `host:port` text (src/url/address.ts); URLs use the strict parser.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { joinHostPort, splitHostPort } from '../../src/url/address.js'

test('joinHostPort brackets IPv6 hosts and keeps an empty host', () => {
  assert.equal(joinHostPort('127.0.0.1', 80), '127.0.0.1:80')
  assert.equal(joinHostPort('::1', 80), '[::1]:80')
  assert.equal(joinHostPort('fe80::1%eth0', '443'), '[fe80::1%eth0]:443')
  assert.equal(joinHostPort('example.com', 8080), 'example.com:8080')
  assert.equal(joinHostPort('', 10101), ':10101')
})

test('splitHostPort reads what joinHostPort writes', () => {
  for (const [host, port] of [['127.0.0.1', 6], ['::1', 5], ['example.com', 65535], ['', 0]] as const)
    assert.deepEqual(splitHostPort(joinHostPort(host, port)), { host, port })
})

test('splitHostPort refuses other shapes and ports above 65535', () => {
  for (const bad of ['127.0.0.1', '::1:80', '[::1]', '[::1]80', '1.2.3.4:70000', '1.2.3.4:', 'a:b', '1.2.3.4:123456', ''])
    assert.equal(splitHostPort(bad), undefined, bad)
})
