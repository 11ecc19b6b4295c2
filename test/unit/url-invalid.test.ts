// Every malformed or contradictory URL yields exactly its full issue list (D5), and nothing else.
import { resolve } from 'node:path'
import { TLS_DIR } from '../helpers/proc.js'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTunnelUrl, parseUrl } from '../../src/url/parse.js'
import { BAD_URLS } from '../helpers/bad-urls.js'

test('the table is large enough and has no duplicate URLs', () => {
  assert.ok(BAD_URLS.length >= 45, `only ${BAD_URLS.length} cases`)
  assert.equal(new Set(BAD_URLS.map((b) => b.url)).size, BAD_URLS.length)
})

for (const { url, issues } of BAD_URLS) {
  test(`rejects ${JSON.stringify(url)}`, () => {
    const result = parseUrl(url)
    assert.equal(result.ok, false)
    assert.deepEqual(!result.ok && result.issues, issues)
  })
}

test('parseTunnelUrl refuses master:// and names only server and client', () => {
  assert.deepEqual(parseTunnelUrl('master://:9090'), { ok: false, issues: ['scheme: must be server or client, got "master"'], code: 'NP_ERR_CONFIG_INVALID' })
  assert.deepEqual(parseTunnelUrl('x'), { ok: false, issues: ['url: must start with server://, client://'], code: 'NP_ERR_CONFIG_INVALID' })
})

test('checkFiles=false skips reading crt/key but keeps the tls=2 rules', () => {
  const r = parseUrl('server://:10101/127.0.0.1:8080?tls=2&crt=/no/such.crt&key=/no/such.key', { checkFiles: false })
  assert.equal(r.ok, true)
  assert.deepEqual(parseUrl('server://:10101/127.0.0.1:8080?tls=2&crt=/x', { checkFiles: false }),
    { ok: false, issues: ['key: required with tls=2'], code: 'NP_ERR_CONFIG_INVALID' })
})

test('unreadable or mismatched tls=2 files alone give NP_ERR_TLS_FILES; with other problems NP_ERR_CONFIG_INVALID', () => {
  const crt = resolve(TLS_DIR, 'server.crt')
  const other = resolve(TLS_DIR, 'untrusted.key')
  assert.deepEqual(parseUrl('server://:10101/127.0.0.1:8080?tls=2&crt=/no/such.crt&key=/no/such.key'), {
    ok: false, code: 'NP_ERR_TLS_FILES',
    issues: ['crt: cannot read the file (ENOENT), got "/no/such.crt"', 'key: cannot read the file (ENOENT), got "/no/such.key"'],
  })
  assert.deepEqual(parseUrl(`server://:10101/127.0.0.1:8080?tls=2&crt=${crt}&key=${other}`), {
    ok: false, code: 'NP_ERR_TLS_FILES', issues: [`key: does not match the certificate in crt, got "${other}"`],
  })
  const both = parseUrl(`server://:10101/127.0.0.1:8080?tls=2&crt=${crt}&key=${other}&min=1`)
  assert.equal(!both.ok && both.code, 'NP_ERR_CONFIG_INVALID')
})

test('the tunnel key never appears in an issue', () => {
  for (const url of ['server://s3cr3t%zz@:10101/127.0.0.1:1', 'client://s3cr3t"x@:10101/127.0.0.1:1', 'master://s3cr3t@:9090']) {
    const r = parseUrl(url)
    assert.equal(r.ok, false)
    const issues = r.ok ? [] : r.issues
    assert.equal(issues.length, 1)
    assert.match(issues[0]!, /^tunnel key: /)
    assert.ok(!issues[0]!.includes('s3cr3t'), issues[0])
  }
})

test('random input never throws: always a config or a non-empty issue list (bounded, seeded)', () => {
  const alphabet = ['server://', 'client://', 'master://', 'k@', ':', '[', ']', '::1', '127.0.0.1', 'h.example',
    '10101', '0', '/', ',', '?', '&', '=', '%', '%2', '%41', '#', ';', '+', ' ', 'tls', 'min', 'max', 'type', '1', '2',
    '3', 'crt', 'key', 'dns', '5m', 'block', 'é', '\t', '@', 'sni', 'none', 'x']
  let seed = 12345
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed % n
  }
  for (let i = 0; i < 3000; i++) {
    let url = ''
    const parts = 1 + rand(14)
    for (let j = 0; j < parts; j++) url += alphabet[rand(alphabet.length)]!
    const r = parseUrl(url, { checkFiles: false })
    if (r.ok) assert.ok(Object.isFrozen(r.config), url)
    else assert.ok(r.issues.length > 0 && r.issues.every((s) => s.length > 0), url)
  }
})
