// Go url.Values.Encode, enhanceURL / generateConfigURL (docs/master.md, Instances), Go durations and the start line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration } from '../../src/duration.js'
import { configUrl, describeConfig, enhanceUrl, formatQuery, queryEscape } from '../../src/url/format.js'
import { parseUrl } from '../../src/url/parse.js'
import { PARAMS } from '../../src/url/params.js'
import type { TunnelConfig } from '../../src/url/types.js'
import { CRT, KEY } from '../helpers/bad-urls.js'

const MASTER_TLS1 = { log: 'info', tls: '1', crt: '', key: '' } as const
const MASTER_PLAIN = { log: '', tls: '0', crt: '', key: '' } as const
const MASTER_TLS2 = { log: 'warn', tls: '2', crt: '/etc/np/c.pem', key: '/etc/np/k.pem' } as const

function tunnel(url: string): TunnelConfig {
  const r = parseUrl(url)
  if (!r.ok) assert.fail(r.issues.join('; '))
  if (r.config.role === 'master') assert.fail('not a tunnel URL')
  return r.config
}

test('queryEscape keeps only A-Za-z0-9-_.~, space → "+", every other UTF-8 byte → uppercase %XX', () => {
  assert.equal(queryEscape('AZaz09-_.~'), 'AZaz09-_.~')
  assert.equal(queryEscape('a b'), 'a+b')
  assert.equal(queryEscape('/:,;=&?#+%*!\'()[]@$'), '%2F%3A%2C%3B%3D%26%3F%23%2B%25%2A%21%27%28%29%5B%5D%40%24')
  assert.equal(queryEscape('é✓😀'), '%C3%A9%E2%9C%93%F0%9F%98%80')
  assert.equal(queryEscape('\n\x00\x7f'), '%0A%00%7F')
  assert.equal(queryEscape(''), '')
})

test('formatQuery sorts keys bytewise (UTF-8, not UTF-16) and keeps the order of repeated values', () => {
  assert.equal(formatQuery({}), '')
  assert.equal(formatQuery(new Map()), '')
  assert.equal(formatQuery({ b: '2', a: ['3', '1'], B: 'x', '': 'e' }), '=e&B=x&a=3&a=1&b=2')
  // U+FF61 is EF BD A1 in UTF-8 and sorts before U+1F600 (F0 ...), although its UTF-16 unit is larger.
  assert.equal(formatQuery(new Map([['😀', ['1']], ['｡', ['2']]])), '%EF%BD%A1=2&%F0%9F%98%80=1')
  assert.equal(formatQuery({ dns: '1.1.1.1,8.8.8.8', crt: '/a b/c.pem' }), 'crt=%2Fa+b%2Fc.pem&dns=1.1.1.1%2C8.8.8.8')
  assert.equal(formatQuery({ k: [] }), '')
})

test('the worked example of upstream enhanceURL/generateConfigURL', () => {
  assert.equal(enhanceUrl('server://:10101/127.0.0.1:8080', MASTER_TLS1), 'server://:10101/127.0.0.1:8080?log=info&tls=1')
  assert.equal(configUrl('server://:10101/127.0.0.1:8080', MASTER_TLS1),
    'server://:10101/127.0.0.1:8080?block=0&dial=auto&dns=5m0s&log=info&max=1024&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&tls=1&type=0')
})

test('enhanceUrl fills only missing or empty values and re-encodes the query sorted', () => {
  assert.equal(enhanceUrl('server://k@:1/h:2?tls=0&log=debug', MASTER_TLS1), 'server://k@:1/h:2?log=debug&tls=0')
  assert.equal(enhanceUrl('server://k@:1/h:2?log=&tls=', MASTER_TLS1), 'server://k@:1/h:2?log=info&tls=1')
  assert.equal(enhanceUrl('server://k@:1/h:2?mode=1&dns=1.1.1.1,8.8.8.8&lbs=2', MASTER_PLAIN),
    'server://k@:1/h:2?dns=1.1.1.1%2C8.8.8.8&lbs=2&mode=1')
  assert.equal(enhanceUrl('server://k@:1/h:2', MASTER_PLAIN), 'server://k@:1/h:2')
  assert.equal(enhanceUrl('SERVER://K@Host:1/h:2?b=1&a=2', MASTER_PLAIN), 'server://K@Host:1/h:2?a=2&b=1')
})

test('enhanceUrl: clients never inherit tls/crt/key; only log', () => {
  assert.equal(enhanceUrl('client://k@h:1/127.0.0.1:2', MASTER_TLS1), 'client://k@h:1/127.0.0.1:2?log=info')
  assert.equal(enhanceUrl('client://k@h:1/127.0.0.1:2', MASTER_TLS2), 'client://k@h:1/127.0.0.1:2?log=warn')
})

test('enhanceUrl with a tls=2 master: crt/key only go to URLs whose tls is 2 (deviation, see format.ts)', () => {
  assert.equal(enhanceUrl('server://k@:1/h:2', MASTER_TLS2),
    'server://k@:1/h:2?crt=%2Fetc%2Fnp%2Fc.pem&key=%2Fetc%2Fnp%2Fk.pem&log=warn&tls=2')
  assert.equal(enhanceUrl('server://k@:1/h:2?tls=1', MASTER_TLS2), 'server://k@:1/h:2?log=warn&tls=1')
  assert.equal(enhanceUrl('server://k@:1/h:2?tls=2&crt=/mine.pem', MASTER_TLS2),
    'server://k@:1/h:2?crt=%2Fmine.pem&key=%2Fetc%2Fnp%2Fk.pem&log=warn&tls=2')
  assert.equal(enhanceUrl('server://k@:1/h:2', { ...MASTER_TLS2, crt: '', key: '' }), 'server://k@:1/h:2?log=warn&tls=2')
})

test('enhanceUrl follows Go query reading: bad pairs dropped, "+" is a space, bare "?" and fragments kept', () => {
  assert.equal(enhanceUrl('server://k@:1/h:2?a;b=1&c=%zz&d=x+y&&e', MASTER_PLAIN), 'server://k@:1/h:2?d=x+y&e=')
  assert.equal(enhanceUrl('server://k@:1/h:2?', MASTER_PLAIN), 'server://k@:1/h:2?')
  assert.equal(enhanceUrl('server://k@:1/h:2?b=1#frag', MASTER_PLAIN), 'server://k@:1/h:2?b=1#frag')
})

test('configUrl fills the client table (sni none, min 64, no max/type/tls) and never lbs', () => {
  assert.equal(configUrl('client://k@10.0.0.1:10101/127.0.0.1:8080', MASTER_TLS1),
    'client://k@10.0.0.1:10101/127.0.0.1:8080?block=0&dial=auto&dns=5m0s&log=info&min=64&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&sni=none')
  assert.equal(configUrl('client://k@h:1/127.0.0.1:2?lbs=1&dns=30s&min=8&max=16', MASTER_PLAIN),
    'client://k@h:1/127.0.0.1:2?block=0&dial=auto&dns=30s&lbs=1&max=16&min=8&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&sni=none')
})

test('configUrl is idempotent and its defaults agree with the parser', () => {
  for (const url of ['server://k@:10101/127.0.0.1:8080', 'client://k@10.0.0.1:10101/127.0.0.1:8080?lbs=2',
    'server://k@:10101/127.0.0.1:8080?type=3&read=1h']) {
    const once = configUrl(url, MASTER_PLAIN)
    assert.equal(configUrl(once, MASTER_PLAIN), once)
    assert.deepEqual(tunnel(once), tunnel(url), url)
  }
  for (const p of PARAMS) {
    if (p.name === 'sni' || p.name === 'crt' || p.name === 'key') continue
    assert.ok(p.default !== '', p.name)
  }
})

test('Go duration text (D9)', () => {
  const cases: Array<[number, string]> = [[0, '0s'], [300_000, '5m0s'], [5_400_000, '1h30m0s'], [1500, '1.5s'],
    [300, '300ms'], [90_000, '1m30s'], [3_600_000, '1h0m0s'], [0.5, '500µs']]
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text)
})

test('describeConfig: every effective value, key masked (server)', () => {
  assert.equal(describeConfig(tunnel('server://:10101/127.0.0.1:8080')),
    'server://***@:10101/127.0.0.1:8080?log=info&tls=0&dns=5m0s&lbs=0&max=1024&mode=0&type=0&dial=auto&read=0s&rate=0&slot=65536&proxy=0&block=0&notcp=0&noudp=0')
  assert.equal(describeConfig(tunnel(`server://topsecret@[::1]:443/[::1]:80,example.com:81?tls=2&crt=${CRT}&key=${KEY}` +
    '&type=3&dns=1h30m&lbs=1&max=8&mode=1&dial=::1&read=1.5s&rate=100&slot=0&proxy=1&block=31&noudp=1&log=event')),
  `server://***@[::1]:443/[::1]:80,example.com:81?log=event&tls=2&crt=${CRT}&key=${KEY}&dns=1h30m0s&lbs=1&max=8&mode=1&type=3` +
    '&dial=::1&read=1.5s&rate=100&slot=0&proxy=1&block=13&notcp=0&noudp=1')
})

test('describeConfig: every effective value, key masked (client)', () => {
  assert.equal(describeConfig(tunnel('client://pw@example.com:10101/127.0.0.1:8080?dns=8.8.8.8,[::1]:53&min=2&max=4&block=2')),
    'client://***@example.com:10101/127.0.0.1:8080?log=info&dns=8.8.8.8,[::1]:53&sni=example.com&lbs=0&min=2&max=4&mode=0&dial=auto&read=0s&rate=0&slot=65536&proxy=0&block=2&notcp=0&noudp=0')
})

test('describeConfig never contains the key, explicit or default', () => {
  for (const url of ['server://:10101/127.0.0.1:8080', 'client://Sup3rS3cret@h.example:10101/127.0.0.1:8080',
    'server://k%2Fey@:443/10.0.0.1:80']) {
    const config = tunnel(url)
    const line = describeConfig(config)
    assert.ok(!line.includes(config.key), line)
    assert.match(line, /^(server|client):\/\/\*\*\*@/)
  }
})
