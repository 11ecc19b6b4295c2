// /info cross-checked against /proc, /tcping against open and closed ports, /openapi.json through a validator,
// /docs served from swagger-ui-dist, and a tls=1 master answering https with url/config inheritance.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { createServer } from 'node:net'
import { test } from 'node:test'
import type { TLSSocket } from 'node:tls'
import { Validator } from '@seriousme/openapi-schema-validator'
import { parseDiskstats, parseMeminfo, parseNetDev, parseUptime } from '../../src/master/sysinfo.js'
import { makeApi, startInProcess } from './helpers.js'

test('/info fields match /proc read in the test', { skip: process.platform !== 'linux' && 'Linux /proc only' }, async (t) => {
  const { api, master } = await startInProcess(t)
  await api.req('POST', '/info', { alias: 'dev master' })
  const r = await api.req('GET', '/info')
  assert.equal(r.status, 200)
  const info = r.json
  assert.deepEqual(Object.keys(info), ['mid', 'alias', 'os', 'arch', 'cpu', 'mem_total', 'mem_used', 'swap_total', 'swap_used', 'netrx', 'nettx', 'diskr', 'diskw', 'sysup', 'ver', 'name', 'uptime', 'log', 'tls', 'crt', 'key', 'release'])
  assert.equal(info.mid, master.manager.masterId)
  assert.match(info.mid, /^[0-9a-f]{16}$/)
  assert.equal(info.alias, 'dev master')
  assert.equal(info.os, 'linux')
  assert.equal(info.arch, process.arch === 'x64' ? 'amd64' : process.arch)
  assert.ok(info.cpu >= 0 && info.cpu <= 100)
  const mem = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'))
  assert.equal(info.mem_total, mem.mem_total)
  assert.equal(info.swap_total, mem.swap_total)
  assert.ok(Math.abs(info.mem_used - mem.mem_used) < 512 * 1024 * 1024, 'mem_used within 512 MiB of a fresh read')
  const net = parseNetDev(readFileSync('/proc/net/dev', 'utf8'))
  assert.ok(info.netrx <= net.netrx && info.nettx <= net.nettx)
  const disk = parseDiskstats(readFileSync('/proc/diskstats', 'utf8'))
  assert.ok(info.diskr <= disk.diskr && info.diskw <= disk.diskw)
  const up = parseUptime(readFileSync('/proc/uptime', 'utf8'))
  assert.ok(info.sysup <= up && info.sysup >= up - 5)
  assert.equal(info.name, '127.0.0.1')
  assert.equal(info.log, 'info')
  assert.equal(info.tls, '0')
  assert.equal(info.crt, '')
  assert.ok(info.uptime >= 0 && info.uptime < 60)
  // `ver` is the Go API level the panels compare (NodePassDash needs >= 1.10.0); `release` is our own version
  assert.equal(info.ver, 'v1.14.0')
  assert.equal(info.release, JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version)
  // the alias lives in ********
  assert.equal((await api.req('GET', '/instances/********')).json.alias, 'dev master')
  assert.equal((await api.req('POST', '/info', { alias: '' })).json.alias, '')
})

test('/tcping: an open port connects, a closed one reports the dial error', async (t) => {
  const { api } = await startInProcess(t)
  const srv = createServer((s) => s.destroy())
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.after(() => srv.close())
  const open = (srv.address() as { port: number }).port
  const ok = await api.req('GET', `/tcping?target=127.0.0.1:${open}`)
  assert.equal(ok.status, 200)
  assert.equal(ok.json.target, `127.0.0.1:${open}`)
  assert.equal(ok.json.connected, true)
  assert.equal(ok.json.error, null)
  assert.ok(Number.isInteger(ok.json.latency) && ok.json.latency >= 0)
  // a port that was just free: connection refused
  const tmp = createServer()
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r))
  const closed = (tmp.address() as { port: number }).port
  await new Promise<void>((r) => tmp.close(() => r()))
  const no = await api.req('GET', `/tcping?target=127.0.0.1:${closed}`)
  assert.deepEqual(no.json, { target: `127.0.0.1:${closed}`, connected: false, latency: 0, error: `dial tcp 127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}` })
  const bad = await api.req('GET', '/tcping?target=nocolon')
  assert.equal(bad.json.error, 'address nocolon: missing port in address')
})

test('/openapi.json is a valid OpenAPI 3.1 document covering every route; /docs needs no network', async (t) => {
  const { api } = await startInProcess(t)
  const noKey = makeApi(api.base, '')
  const doc = (await noKey.req('GET', '/openapi.json')).json
  const res = await new Validator().validate(doc)
  assert.equal(res.valid, true, JSON.stringify(res.errors))
  assert.equal(doc.openapi, '3.1.1')
  assert.deepEqual(doc.servers, [{ url: new URL(api.base).pathname }])
  assert.deepEqual(doc.components.securitySchemes.ApiKeyAuth, { type: 'apiKey', in: 'header', name: 'X-API-Key' })
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/docs', '/events', '/info', '/instances', '/instances/{id}', '/instances/{id}/traffic', '/metrics', '/openapi.json', '/tcping', '/traffic'])
  for (const s of ['Instance', 'Meta', 'Peer', 'MasterInfo', 'TCPingResult', 'Error', 'CreateInstanceRequest', 'UpdateInstanceRequest', 'PutInstanceRequest'])
    assert.ok(doc.components.schemas[s], s)
  const html = await noKey.req('GET', '/docs')
  assert.equal(html.status, 200)
  assert.match(html.headers.get('content-type') ?? '', /^text\/html/)
  assert.match(html.text, /<title>NodePass API<\/title>/)
  assert.ok(!/https?:\/\//.test(html.text.replace(/"url":"[^"]*"/g, '')), 'no external URL in the page')
  const base = new URL(api.base).pathname
  for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) {
    assert.ok(html.text.includes(`${base}/docs/${asset}`), asset)
    const a = await fetch(new URL(`${base}/docs/${asset}`, api.base))
    assert.equal(a.status, 200, asset)
    assert.ok((await a.arrayBuffer()).byteLength > 1000)
  }
  assert.equal((await noKey.req('GET', '/docs/../../package.json')).status, 404)
})

function httpsGet(url: string, key: string): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, headers: { 'X-API-Key': key } }, (res) => {
      let body = ''
      const protocol = (res.socket as TLSSocket).getProtocol() ?? ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('tls=1 master answers https (TLS 1.3) and instances inherit log/tls as docs/master.md describes', async (t) => {
  const { master } = await startInProcess(t, { url: 'master://127.0.0.1:0/api?log=info&tls=1' })
  assert.match(master.apiUrl, /^https:\/\//)
  const info = await httpsGet(`${master.apiUrl}/info`, master.manager.apiKey)
  assert.equal(info.status, 200)
  assert.equal(info.protocol, 'TLSv1.3')
  assert.equal(JSON.parse(info.body).tls, '1')
  const body = JSON.stringify({ url: 'server://:10101/127.0.0.1:8080' })
  const created = await new Promise<any>((resolve, reject) => {
    const req = request(`${master.apiUrl}/instances`, { method: 'POST', rejectUnauthorized: false, headers: { 'X-API-Key': master.manager.apiKey, 'Content-Type': 'application/json' } }, (res) => {
      let b = ''
      res.on('data', (d: Buffer) => (b += d.toString()))
      res.on('end', () => resolve(JSON.parse(b)))
    })
    req.on('error', reject)
    req.end(body)
  })
  assert.equal(created.url, 'server://:10101/127.0.0.1:8080?log=info&tls=1')
  assert.equal(created.config, 'server://:10101/127.0.0.1:8080?block=0&dial=auto&dns=5m0s&log=info&max=1024&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&tls=1&type=0')
  const client = await new Promise<any>((resolve, reject) => {
    const req = request(`${master.apiUrl}/instances`, { method: 'POST', rejectUnauthorized: false, headers: { 'X-API-Key': master.manager.apiKey } }, (res) => {
      let b = ''
      res.on('data', (d: Buffer) => (b += d.toString()))
      res.on('end', () => resolve(JSON.parse(b)))
    })
    req.on('error', reject)
    req.end(JSON.stringify({ url: 'client://127.0.0.1:10101/127.0.0.1:9000' }))
  })
  assert.equal(client.url, 'client://127.0.0.1:10101/127.0.0.1:9000?log=info', 'clients never inherit tls')
  // TLS 1.2 is refused
  await assert.rejects(
    new Promise((resolve, reject) => {
      const req = request(`${master.apiUrl}/info`, { rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, resolve)
      req.on('error', reject)
      req.end()
    }),
  )
})
