import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDnsResolver } from '../../src/net/dns.js'
import { dnsServer } from '../helpers/net-fixtures.js'

test('the cached answer is used until the TTL passes, then the new one', async (t) => {
  const dns = await dnsServer(t)
  dns.records.set('svc.test', '127.0.0.10')
  const r = createDnsResolver({ ttlMs: 400, servers: [`127.0.0.1:${dns.port}`] })
  assert.equal(await r.resolve('svc.test'), '127.0.0.10')
  const askedAt = Date.now()
  dns.records.set('svc.test', '127.0.0.20')
  const seen: string[] = []
  // Poll until the new address shows up; every answer before that must be the cached one.
  let addr = ''
  for (let i = 0; i < 200 && addr !== '127.0.0.20'; i++) {
    addr = await r.resolve('svc.test')
    seen.push(addr)
    if (addr !== '127.0.0.20') await new Promise((res) => setTimeout(res, 25))
  }
  assert.equal(addr, '127.0.0.20', 'the new address never showed up')
  assert.ok(Date.now() - askedAt >= 400, `new address used ${Date.now() - askedAt}ms after the first answer (TTL 400ms)`)
  assert.ok(seen.length > 2 && seen.slice(0, -1).every((a) => a === '127.0.0.10'))
  const aQueries = dns.queries.filter((q) => q.name === 'svc.test' && q.type === 'A').length
  assert.equal(aQueries, 2, 'the cache must answer everything in between')
})

test('ttl 0 turns the cache off: every lookup asks the server', async (t) => {
  const dns = await dnsServer(t)
  dns.records.set('nocache.test', '127.0.0.11')
  const r = createDnsResolver({ ttlMs: 0, servers: [`127.0.0.1:${dns.port}`] })
  assert.equal(await r.resolve('nocache.test'), '127.0.0.11')
  dns.records.set('nocache.test', '127.0.0.12')
  assert.equal(await r.resolve('nocache.test'), '127.0.0.12')
  assert.equal(dns.queries.filter((q) => q.type === 'A').length, 2)
})

test('a failed lookup falls back to the last good address; a name never resolved is an error', async (t) => {
  const dns = await dnsServer(t)
  dns.records.set('flaky.test', '127.0.0.13')
  const r = createDnsResolver({ ttlMs: 0, servers: [`127.0.0.1:${dns.port}`] }, { timeoutMs: 200 })
  assert.equal(await r.resolve('flaky.test'), '127.0.0.13')
  dns.records.delete('flaky.test')
  assert.equal(await r.resolve('flaky.test'), '127.0.0.13')
  dns.silent = true
  r.clear()
  assert.equal(await r.resolve('flaky.test'), '127.0.0.13')
  dns.silent = false
  await assert.rejects(r.resolve('missing.test'), { message: 'resolve missing.test: queryA ENOTFOUND missing.test' })
})

test('IP literals bypass the resolver, brackets stripped', async (t) => {
  const dns = await dnsServer(t)
  const r = createDnsResolver({ ttlMs: 60_000, servers: [`127.0.0.1:${dns.port}`] })
  assert.equal(await r.resolve('127.0.0.5'), '127.0.0.5')
  assert.equal(await r.resolve('[::1]'), '::1')
  assert.equal(await r.resolve('::1'), '::1')
  assert.equal(dns.queries.length, 0)
})

test('concurrent lookups of one name share one question; system resolver answers localhost IPv4 first', async (t) => {
  const dns = await dnsServer(t)
  dns.records.set('shared.test', '127.0.0.14')
  dns.delays.set('shared.test', 100)
  const r = createDnsResolver({ ttlMs: 60_000, servers: [`127.0.0.1:${dns.port}`] })
  const all = await Promise.all(Array.from({ length: 5 }, () => r.resolve('shared.test')))
  assert.deepEqual(all, Array(5).fill('127.0.0.14'))
  assert.equal(dns.queries.filter((q) => q.type === 'A').length, 1)
  const sys = createDnsResolver({ ttlMs: 1000, servers: [] })
  assert.equal(await sys.resolve('localhost'), '127.0.0.1')
})

test('resolver lists accept ip, ip:port and [v6]:port', () => {
  assert.doesNotThrow(() => createDnsResolver({ ttlMs: 1000, servers: ['127.0.0.1', '127.0.0.1:5353', '[::1]:5353', '::1'] }))
})
