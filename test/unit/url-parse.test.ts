// Valid URLs parse into exact, deeply frozen configs (README URLs, docs/parameters.md, D4–D9).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_KEY_WARNING, parseTunnelUrl, parseUrl } from '../../src/url/parse.js'
import type { AnyConfig, ClientConfig, MasterConfig, ServerConfig } from '../../src/url/types.js'
import { defaultTunnelKey } from '../../src/wire.js'
import { CRT, KEY } from '../helpers/bad-urls.js'

const COMMON = {
  keyIsDefault: false,
  log: 'info',
  dns: { ttlMs: 300_000, servers: [] },
  lbs: 'round-robin',
  mode: 0,
  dial: 'auto',
  readMs: 0,
  rate: 0,
  slot: 65536,
  proxy: false,
  block: { socks: false, http: false, tls: false },
  notcp: false,
  noudp: false,
} as const

function server(over: Partial<ServerConfig>): ServerConfig {
  return { role: 'server', key: 'k', tunnel: { host: '', port: 10101 }, targets: [{ host: '127.0.0.1', port: 8080 }],
    ...COMMON, tls: { mode: 0 }, max: 1024, type: 'tcp', ...over }
}

function client(over: Partial<ClientConfig>): ClientConfig {
  return { role: 'client', key: 'k', tunnel: { host: 'example.com', port: 10101 },
    targets: [{ host: '127.0.0.1', port: 8080 }], ...COMMON, sni: 'example.com', min: 64, max: 1024, ...over }
}

function ok(url: string): { config: AnyConfig; warnings: string[] } {
  const r = parseUrl(url)
  if (!r.ok) assert.fail(`${url}: ${r.issues.join('; ')}`)
  return r
}

function isDeepFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true
  return Object.isFrozen(v) && Object.values(v).every(isDeepFrozen)
}

test('server defaults; an absent key is the FNV-1a default with a warning', () => {
  const r = ok('server://:10101/127.0.0.1:8080')
  assert.deepEqual(r.config, server({ key: 'e68be2b4', keyIsDefault: true }))
  assert.deepEqual(r.warnings, [DEFAULT_KEY_WARNING])
  assert.equal(DEFAULT_KEY_WARNING, 'tunnel key not set: using the default key derived from the port, which anyone can guess')
})

test('a client forced to single-end (mode=1) uses no key, so the default key is not warned about', () => {
  assert.deepEqual(ok('client://127.0.0.1:10101/127.0.0.1:8080?mode=1').warnings, [])
  assert.deepEqual(ok('client://127.0.0.1:10101/127.0.0.1:8080').warnings, [DEFAULT_KEY_WARNING])
  assert.deepEqual(ok('client://127.0.0.1:10101/127.0.0.1:8080?mode=2').warnings, [DEFAULT_KEY_WARNING])
})

test('the default key uses the port string as written; empty user and user:pass forms', () => {
  assert.deepEqual(ok('server://@:443/127.0.0.1:8080').config, server({ key: '2339c1b2', keyIsDefault: true, tunnel: { host: '', port: 443 } }))
  assert.deepEqual(ok('server://:pw@:1/127.0.0.1:8080').config, server({ key: '340ca71c', keyIsDefault: true, tunnel: { host: '', port: 1 } }))
  assert.equal((ok('server://:08080/127.0.0.1:80').config as ServerConfig).key, defaultTunnelKey('08080'))
  assert.notEqual(defaultTunnelKey('08080'), defaultTunnelKey('8080'))
  assert.deepEqual(ok('server://k:ignored@:10101/127.0.0.1:8080'), { ok: true, config: server({}), warnings: [] })
})

test('percent-decoded keys (only the part before ":" counts)', () => {
  assert.equal((ok('server://k%40y%3Ax:pw@:10101/127.0.0.1:8080').config as ServerConfig).key, 'k@y:x')
  assert.equal((ok('server://a@b@:10101/127.0.0.1:8080').config as ServerConfig).key, 'a@b')
  assert.equal((ok('server://%E2%9C%93+$&\'()*,;=~@:10101/127.0.0.1:8080').config as ServerConfig).key, "✓+$&'()*,;=~")
})

test('tunnel addresses: IPv4, [IPv6], hostnames, :port', () => {
  assert.deepEqual(ok('server://k@0.0.0.0:1/127.0.0.1:8080').config, server({ tunnel: { host: '0.0.0.0', port: 1 } }))
  assert.deepEqual(ok('server://k@[::]:65535/127.0.0.1:8080').config, server({ tunnel: { host: '::', port: 65535 } }))
  assert.deepEqual(ok('server://k@[fe80::1%25eth0]:10101/127.0.0.1:8080').config,
    server({ tunnel: { host: 'fe80::1%eth0', port: 10101 } }))
  assert.deepEqual(ok('client://k@Tunnel-1.Example.COM.:10101/127.0.0.1:8080').config,
    client({ tunnel: { host: 'Tunnel-1.Example.COM.', port: 10101 }, sni: 'Tunnel-1.Example.COM.' }))
  assert.deepEqual(ok('client://k@localhost:10101/127.0.0.1:8080').config,
    client({ tunnel: { host: 'localhost', port: 10101 }, sni: 'localhost' }))
})

test('sni defaults to none for IP and empty tunnel hosts', () => {
  assert.deepEqual(ok('client://k@10.0.0.1:10101/127.0.0.1:8080').config, client({ tunnel: { host: '10.0.0.1', port: 10101 }, sni: 'none' }))
  assert.deepEqual(ok('client://k@[2001:db8::1]:10101/127.0.0.1:8080').config, client({ tunnel: { host: '2001:db8::1', port: 10101 }, sni: 'none' }))
  assert.deepEqual(ok('client://k@:10101/127.0.0.1:8080').config, client({ tunnel: { host: '', port: 10101 }, sni: 'none' }))
  assert.equal((ok('client://k@10.0.0.1:10101/127.0.0.1:8080?sni=vpn.example.com').config as ClientConfig).sni, 'vpn.example.com')
  assert.equal((ok('client://k@h.example:10101/127.0.0.1:8080?sni=none').config as ClientConfig).sni, 'none')
  assert.equal((ok('client://k@h.example:10101/127.0.0.1:8080?sni=10.1.2.3').config as ClientConfig).sni, '10.1.2.3')
})

test('several targets: split on ",", trimmed, empties dropped, IPv6 bracketed, percent-decoded path', () => {
  const targets = [{ host: '127.0.0.1', port: 8080 }, { host: '::1', port: 8081 }, { host: 'backend.local', port: 9 },
    { host: '', port: 7 }]
  assert.deepEqual(ok('server://k@:10101/127.0.0.1:8080, [::1]:8081 ,,backend.local:9,:7,').config, server({ targets }))
  assert.deepEqual(ok('server://k@:10101/127.0.0.1:8080%2C%5B::1%5D:8081%2Cbackend.local:9,:7').config, server({ targets }))
})

test('a target with the tunnel port is fine when it is a different host', () => {
  assert.deepEqual(ok('server://k@10.0.0.1:10101/10.0.0.2:10101').config,
    server({ tunnel: { host: '10.0.0.1', port: 10101 }, targets: [{ host: '10.0.0.2', port: 10101 }] }))
  assert.deepEqual(ok('client://k@example.com:10101/127.0.0.1:10101').config,
    client({ targets: [{ host: '127.0.0.1', port: 10101 }] }))
  assert.deepEqual(ok('server://k@127.0.0.1:10101/127.0.0.1:10102').config,
    server({ tunnel: { host: '127.0.0.1', port: 10101 }, targets: [{ host: '127.0.0.1', port: 10102 }] }))
})

test('every server parameter in its accepted forms', () => {
  const url = 'server://k@:10101/127.0.0.1:8080?log=debug&tls=1&dns=1h30m&lbs=2&max=4096&mode=2&type=2&dial=10.0.0.5' +
    '&read=1.5s&rate=100&slot=0&proxy=1&block=13&notcp=1&noudp=0'
  assert.deepEqual(ok(url).config, server({
    log: 'debug', tls: { mode: 1 }, dns: { ttlMs: 5_400_000, servers: [] }, lbs: 'primary-backup', max: 4096, mode: 2,
    type: 'ws', dial: '10.0.0.5', readMs: 1500, rate: 100, slot: 0, proxy: true,
    block: { socks: true, http: false, tls: true }, notcp: true,
  }))
})

test('every client parameter in its accepted forms', () => {
  const url = 'client://k@example.com:10101/127.0.0.1:8080?log=none&dns=0&sni=other.example&lbs=1&min=1&max=1' +
    '&mode=1&dial=::1&read=300ms&rate=1000000&slot=1048576&proxy=0&block=321&notcp=0&noudp=1'
  assert.deepEqual(ok(url).config, client({
    log: 'none', dns: { ttlMs: 0, servers: [] }, sni: 'other.example', lbs: 'latency', min: 1, max: 1, mode: 1,
    dial: '::1', readMs: 300, rate: 1_000_000, slot: 1_048_576, block: { socks: true, http: true, tls: true }, noudp: true,
  }))
})

test('log levels, modes, types and blocks map to closed unions', () => {
  for (const level of ['none', 'debug', 'info', 'warn', 'error', 'event'] as const) {
    assert.equal(ok(`server://k@:10101/127.0.0.1:8080?log=${level}`).config.log, level)
  }
  const types = { 0: 'tcp', 1: 'quic', 2: 'ws', 3: 'h2' } as const
  for (const [code, kind] of Object.entries(types)) {
    assert.equal((ok(`server://k@:10101/127.0.0.1:8080?type=${code}&tls=2&crt=${CRT}&key=${KEY}`).config as ServerConfig).type, kind)
  }
  const blocks: Record<string, [boolean, boolean, boolean]> = {
    0: [false, false, false], 1: [true, false, false], 2: [false, true, false], 3: [false, false, true],
    12: [true, true, false], 31: [true, false, true], 23: [false, true, true], 123: [true, true, true],
  }
  for (const [text, [socks, http, tls]] of Object.entries(blocks)) {
    const c = ok(`client://k@h.example:10101/127.0.0.1:8080?block=${text}`).config as ClientConfig
    assert.deepEqual(c.block, { socks, http, tls }, text)
  }
})

test('dns: a TTL or resolver IPs with the default TTL (D6)', () => {
  const dns = (v: string): unknown => (ok(`client://k@h.example:10101/127.0.0.1:8080?dns=${v}`).config as ClientConfig).dns
  assert.deepEqual(dns('30s'), { ttlMs: 30_000, servers: [] })
  assert.deepEqual(dns('0'), { ttlMs: 0, servers: [] })
  assert.deepEqual(dns('1.1.1.1,8.8.8.8'), { ttlMs: 300_000, servers: ['1.1.1.1', '8.8.8.8'] })
  assert.deepEqual(dns('1.1.1.1:5353,%20[2606:4700::1111]:53,2001:4860:4860::8888'),
    { ttlMs: 300_000, servers: ['1.1.1.1:5353', '[2606:4700::1111]:53', '2001:4860:4860::8888'] })
})

test('type 1 and 3 force TLS: an absent tls becomes 1', () => {
  assert.deepEqual(ok('server://k@:10101/127.0.0.1:8080?type=1').config, server({ type: 'quic', tls: { mode: 1 } }))
  assert.deepEqual(ok('server://k@:10101/127.0.0.1:8080?type=3&tls=1').config, server({ type: 'h2', tls: { mode: 1 } }))
})

test('tls=2 keeps the crt and key paths after checking them', () => {
  assert.deepEqual(ok(`server://k@:10101/127.0.0.1:8080?tls=2&crt=${encodeURIComponent(CRT)}&key=${KEY}`).config,
    server({ tls: { mode: 2, crt: CRT, key: KEY } }))
})

test('an empty value means absent; max is allowed on the client', () => {
  assert.deepEqual(ok('server://k@:10101/127.0.0.1:8080?tls=&crt=&log=&min=&&').config, server({}))
  assert.deepEqual(ok('client://k@example.com:10101/127.0.0.1:8080?max=8').config, client({ max: 8 }))
  assert.deepEqual(ok('client://k@example.com:10101/127.0.0.1:8080?min=8').config, client({ min: 8 }))
  assert.deepEqual(ok('client://k@example.com:10101/127.0.0.1:8080?min=8&max=8').config, client({ min: 8, max: 8 }))
})

test('query values are percent-decoded with "+" as a space; the scheme is case-insensitive', () => {
  assert.equal((ok('server://k@:10101/127.0.0.1:8080?dial=%3A%3A1').config as ServerConfig).dial, '::1')
  assert.deepEqual(ok('Server://k@:10101/127.0.0.1:8080?%6Cog=warn').config, server({ log: 'warn' }))
})

test('master URLs: listen address, prefix rules, raw values kept', () => {
  const master = (over: Partial<MasterConfig>): MasterConfig => ({ role: 'master', listen: { host: '', port: 9090 },
    prefix: '/api', log: 'info', logRaw: '', tls: { mode: 0 }, crtRaw: '', keyRaw: '', ...over })
  assert.deepEqual(ok('master://:9090').config, master({}))
  assert.deepEqual(ok('master://:9090/').config, master({}))
  assert.deepEqual(ok('master://127.0.0.1:0/admin//').config, master({ listen: { host: '127.0.0.1', port: 0 }, prefix: '/admin' }))
  assert.equal((ok('master://:9090/a/b-c_~.d%41').config as MasterConfig).prefix, '/a/b-c_~.dA')
  assert.deepEqual(ok('master://[::1]:9090/x/y?log=event&tls=1').config,
    master({ listen: { host: '::1', port: 9090 }, prefix: '/x/y', log: 'event', logRaw: 'event', tls: { mode: 1 } }))
  assert.deepEqual(ok(`master://:9090/api?tls=2&crt=${CRT}&key=${KEY}`).config,
    master({ tls: { mode: 2, crt: CRT, key: KEY }, crtRaw: CRT, keyRaw: KEY }))
  assert.deepEqual(ok('master://:9090').warnings, [])
})

test('results are deeply frozen', () => {
  for (const url of ['server://:10101/127.0.0.1:8080,[::1]:1', 'client://k@h.example:1/:2?dns=1.1.1.1', 'master://:1']) {
    const { config } = ok(url)
    assert.ok(isDeepFrozen(config), url)
    assert.throws(() => { (config as { log: string }).log = 'debug' }, TypeError)
  }
})

test('parseTunnelUrl accepts server and client URLs', () => {
  const r = parseTunnelUrl('client://k@example.com:10101/127.0.0.1:8080')
  assert.deepEqual(r, { ok: true, config: client({}), warnings: [] })
})
