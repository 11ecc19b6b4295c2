// The dashboard's instance URLs: the create form's URL, the split for display, the hidden key, issues by field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
// web/src's pure modules compile with this tsconfig too (to dist/web/src, no DOM lib: a DOM use fails the build).
import { buildUrl, hideKey, issueFields, splitUrl } from '../../web/src/instance-url.js'

test('buildUrl: role, encoded key, trimmed addresses, parameters of the role in PARAMS order, empty ones left out', () => {
  assert.equal(buildUrl('server', '', ':10101', '127.0.0.1:8080', {}), 'server://:10101/127.0.0.1:8080')
  assert.equal(buildUrl('client', 'k@y/1', ' srv.example:10101 ', ' 127.0.0.1:22 ', {}), 'client://k%40y%2F1@srv.example:10101/127.0.0.1:22')
  assert.equal(
    buildUrl('server', 'key', ':1', '127.0.0.1:2', { rate: '100', log: 'debug', tls: '1', min: '8', max: '' }),
    'server://key@:1/127.0.0.1:2?log=debug&tls=1&rate=100',
  )
  // min is client-only, tls and type server-only; values are encoded.
  assert.equal(buildUrl('client', '', 'a:1', 'b:2', { min: '8', tls: '1', type: '2', block: '1&2' }), 'client://a:1/b:2?min=8&block=1%262')
  assert.equal(buildUrl('server', '', '', '', {}), 'server:///')
})

test('splitUrl: scheme, key, tunnel, target and query; anything else is all tunnel', () => {
  assert.deepEqual(splitUrl('server://secret@:10101/127.0.0.1:8080?log=info&tls=1'), {
    scheme: 'server', key: 'secret', tunnel: ':10101', target: '127.0.0.1:8080', query: 'log=info&tls=1',
  })
  assert.deepEqual(splitUrl('client://[::1]:10101'), { scheme: 'client', key: '', tunnel: '[::1]:10101', target: '', query: '' })
  assert.deepEqual(splitUrl('client://a@b@h:1/t:2'), { scheme: 'client', key: 'a@b', tunnel: 'h:1', target: 't:2', query: '' })
  assert.deepEqual(splitUrl('server://:1/a:1,b:2?'), { scheme: 'server', key: '', tunnel: ':1', target: 'a:1,b:2', query: '' })
  assert.deepEqual(splitUrl('not a url'), { scheme: '', key: '', tunnel: 'not a url', target: '', query: '' })
  assert.deepEqual(splitUrl('server:/:1/x'), { scheme: '', key: '', tunnel: 'server:/:1/x', target: '', query: '' })
  assert.deepEqual(splitUrl(''), { scheme: '', key: '', tunnel: '', target: '', query: '' })
})

test('hideKey: the tunnel key becomes ***, nothing else changes', () => {
  assert.equal(hideKey('server://secret@:10101/127.0.0.1:8080?log=info'), 'server://***@:10101/127.0.0.1:8080?log=info')
  assert.equal(hideKey('client://srv:1/t:2'), 'client://srv:1/t:2')
  assert.equal(hideKey('client://srv:1/user@t:2'), 'client://srv:1/user@t:2')
  assert.equal(hideKey('garbage@x'), 'garbage@x')
})

test('issueFields: issues by form field, several joined, unknown names and no-colon issues left out', () => {
  assert.deepEqual(
    issueFields([
      'tunnel address: missing port in address, got "x"',
      'rate: must be an integer from 0 to 1000000, got "fast"',
      'targets: empty',
      'target: bad port',
      'tunnel key: too long',
      'key: cannot read "/nope"',
      'bogus: whatever',
      'constructor: not a field',
      'no colon here',
      ': empty name',
    ]),
    {
      tunnel: 'tunnel address: missing port in address, got "x"',
      rate: 'rate: must be an integer from 0 to 1000000, got "fast"',
      target: 'targets: empty; target: bad port',
      tkey: 'tunnel key: too long',
      key: 'key: cannot read "/nope"',
    },
  )
  assert.deepEqual(issueFields([]), {})
})
