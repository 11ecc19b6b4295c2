// Every error of docs/master.md (upstream's, with docs/decisions.md's changes), plus malformed, oversize and odd input.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { makeApi, startInProcess } from './helpers.js'
import { HINTS, type ErrorCode } from '../../src/errors.js'
import { TLS_DIR } from '../helpers/proc.js'

test('master API errors: exact status, message and code', async (t) => {
  const { api, master } = await startInProcess(t)
  const noKey = makeApi(api.base, '')
  const created = await api.req('POST', '/instances', { url: 'server://127.0.0.1:10101/127.0.0.1:8080' })
  assert.equal(created.status, 201)
  const id = created.json.id as string
  const err = (r: { status: number; json: any }, status: number, error: string, code: string): void => {
    assert.equal(r.status, status, JSON.stringify(r.json))
    assert.equal(r.json.error, error)
    assert.equal(r.json.code, code)
    assert.equal(r.json.hint, HINTS[code as ErrorCode], `${code}: the one-line hint of the code`)
  }

  await t.test('auth: missing and wrong key → 401 with CORS headers', async () => {
    const r1 = await noKey.req('GET', '/instances')
    err(r1, 401, 'Unauthorized: API key required', 'NP_ERR_UNAUTHORIZED')
    assert.equal(r1.headers.get('access-control-allow-origin'), '*')
    err(await makeApi(api.base, 'x'.repeat(32)).req('GET', '/instances'), 401, 'Unauthorized: Invalid API key', 'NP_ERR_UNAUTHORIZED')
    err(await makeApi(api.base, 'short').req('GET', '/info'), 401, 'Unauthorized: Invalid API key', 'NP_ERR_UNAUTHORIZED')
    for (const path of ['/events', '/tcping?target=127.0.0.1:1', `/instances/${id}`])
      assert.equal((await noKey.req('GET', path)).status, 401, path)
  })

  await t.test('OPTIONS before auth; public routes need no key', async () => {
    const r = await noKey.req('OPTIONS', '/instances')
    assert.equal(r.status, 200)
    assert.equal(r.text, '')
    assert.equal(r.headers.get('access-control-allow-methods'), 'GET, PATCH, POST, PUT, DELETE, OPTIONS')
    assert.equal((await noKey.req('GET', '/openapi.json')).status, 200)
    assert.equal((await noKey.req('GET', '/docs')).status, 200)
  })

  await t.test('unregistered path → 404 text/plain without CORS', async () => {
    const r = await api.req('GET', '/nothing')
    assert.equal(r.status, 404)
    assert.equal(r.text, '404 page not found\n')
    assert.equal(r.headers.get('access-control-allow-origin'), null)
    const base = master.apiUrl.replace(/\/api\/v1$/, '')
    assert.equal((await fetch(base + '/elsewhere')).status, 404)
  })

  await t.test('405 on every route with a method check (HEAD included)', async () => {
    for (const [m, p] of [['DELETE', '/instances'], ['PUT', '/info'], ['POST', '/events'], ['POST', '/tcping'], ['POST', `/instances/${id}`]] as const)
      err(await api.req(m, p), 405, 'Method not allowed', 'NP_ERR_METHOD_NOT_ALLOWED')
    const head = await api.req('HEAD', '/instances')
    assert.equal(head.status, 405)
  })

  await t.test('POST /instances rows', async () => {
    err(await api.req('POST', '/instances', '{'), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', ''), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', {}), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', { url: '' }), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', { url: 42 }), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', '[1,2]'), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', { url: 'http://x:1/y:2' }), 400, 'Invalid URL scheme', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/instances', { url: 'master://127.0.0.1:9/api' }), 400, 'Invalid URL scheme', 'NP_ERR_BAD_REQUEST')
    const bad = await api.req('POST', '/instances', { url: 'server://127.0.0.1:99999/127.0.0.1:8080' })
    assert.equal(bad.status, 400)
    assert.equal(bad.json.code, 'NP_ERR_CONFIG_INVALID')
    assert.match(bad.json.error, /^Invalid URL format: /)
    assert.ok(Array.isArray(bad.json.issues) && bad.json.issues.length > 0)
    assert.equal(bad.json.hint, HINTS.NP_ERR_CONFIG_INVALID)
    // unreadable or mismatched tls=2 files have their own code
    const files = await api.req('POST', '/instances', { url: `server://127.0.0.1:10101/127.0.0.1:8080?tls=2&crt=${TLS_DIR}/server.crt&key=${TLS_DIR}/untrusted.key` })
    err(files, 400, `Invalid URL format: key: does not match the certificate in crt, got "${TLS_DIR}/untrusted.key"`, 'NP_ERR_TLS_FILES')
    assert.deepEqual(files.json.issues, [`key: does not match the certificate in crt, got "${TLS_DIR}/untrusted.key"`])
  })

  await t.test('/instances/{id} rows: empty id, unknown id, huge id, unicode id, bad escapes', async () => {
    err(await api.req('GET', '/instances/'), 400, 'Instance ID is required', 'NP_ERR_BAD_REQUEST')
    err(await api.req('GET', '/instances/deadbeef'), 404, 'Instance not found', 'NP_ERR_INSTANCE_NOT_FOUND')
    err(await api.req('GET', `/instances/${id}/x`), 404, 'Instance not found', 'NP_ERR_INSTANCE_NOT_FOUND')
    err(await api.req('GET', '/instances/' + 'a'.repeat(4000)), 404, 'Instance not found', 'NP_ERR_INSTANCE_NOT_FOUND')
    err(await api.req('GET', '/instances/' + encodeURIComponent('ünï😀')), 404, 'Instance not found', 'NP_ERR_INSTANCE_NOT_FOUND')
    err(await api.req('GET', '/instances/%E0%A4%A'), 400, 'Invalid request path', 'NP_ERR_BAD_REQUEST')
    // auth comes before the id checks
    assert.equal((await noKey.req('GET', '/instances/deadbeef')).status, 401)
    // unknown id comes before the method check
    err(await api.req('POST', '/instances/deadbeef'), 404, 'Instance not found', 'NP_ERR_INSTANCE_NOT_FOUND')
    // a request line past Node's header limit is refused by the HTTP layer itself
    const huge = await api.req('GET', '/instances/' + 'a'.repeat(20_000))
    assert.equal(huge.status, 431)
  })

  await t.test('PUT rows', async () => {
    err(await api.req('PUT', '/instances/********', { url: 'server://127.0.0.1:1/127.0.0.1:2' }), 403, 'Forbidden: API Key', 'NP_ERR_FORBIDDEN')
    err(await api.req('PUT', `/instances/${id}`, '{bad'), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PUT', `/instances/${id}`, { url: 'ftp://a:1/b:2' }), 400, 'Invalid URL scheme', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PUT', `/instances/${id}`, { url: 'server://127.0.0.1:10101/127.0.0.1:8080' }), 409, 'Instance URL conflict', 'NP_ERR_CONFLICT')
  })

  await t.test('DELETE ******** → 403', async () => {
    err(await api.req('DELETE', '/instances/********'), 403, 'Forbidden: API Key', 'NP_ERR_FORBIDDEN')
  })

  await t.test('PATCH rows (bad JSON is a 400 here, D13)', async () => {
    err(await api.req('PATCH', `/instances/${id}`, '{"alias":'), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PATCH', `/instances/${id}`, ''), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PATCH', `/instances/${id}`, { restart: 'x' }), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PATCH', `/instances/${id}`, { action: 'explode' }), 400, 'Invalid action: explode', 'NP_ERR_BAD_REQUEST')
    err(await api.req('PATCH', `/instances/${id}`, { alias: 'a'.repeat(257) }), 400, 'Instance alias exceeds maximum length 256', 'NP_ERR_BAD_REQUEST')
    // 86 three-byte characters = 258 bytes: the limit counts UTF-8 bytes
    err(await api.req('PATCH', `/instances/${id}`, { alias: '€'.repeat(86) }), 400, 'Instance alias exceeds maximum length 256', 'NP_ERR_BAD_REQUEST')
    const ok = await api.req('PATCH', `/instances/${id}`, { alias: 'ünïcödé 😀', unknownField: 1 })
    assert.equal(ok.status, 200)
    assert.equal(ok.json.alias, 'ünïcödé 😀')
  })

  await t.test('/info POST rows', async () => {
    err(await api.req('POST', '/info', 'nope'), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
    err(await api.req('POST', '/info', { alias: 'x'.repeat(257) }), 400, 'Master alias exceeds maximum length 256', 'NP_ERR_BAD_REQUEST')
  })

  await t.test('/tcping without target → 400', async () => {
    err(await api.req('GET', '/tcping'), 400, 'Target address required', 'NP_ERR_BAD_REQUEST')
  })

  await t.test('oversize body → 413 (limit 64 KiB), declared or streamed', async () => {
    const big = JSON.stringify({ url: 'server://127.0.0.1:1/127.0.0.1:2', alias: 'x'.repeat(70_000) })
    err(await api.req('POST', '/instances', big), 413, 'Request body exceeds maximum size 65536 bytes', 'NP_ERR_BODY_TOO_LARGE')
    // chunked (no Content-Length): counted while reading
    const url = new URL(api.base + '/instances')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'X-API-Key': api.key, 'Content-Type': 'application/json' } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      for (let i = 0; i < 10; i++) req.write('x'.repeat(10_000))
      req.end()
    })
    assert.equal(status, 413)
  })

  await t.test('JSON is decoded whatever the Content-Type (curl -d sends form-urlencoded); a non-JSON body is a 400', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8', 'multipart/form-data'])
      assert.equal((await api.req('POST', '/info', JSON.stringify({ alias: 'm' }), { 'Content-Type': type })).json.alias, 'm', type)
    const created = await api.req('POST', '/instances', JSON.stringify({ url: 'server://127.0.0.1:1/127.0.0.1:2' }), {
      'Content-Type': 'application/x-www-form-urlencoded',
    })
    assert.equal(created.status, 201)
    assert.equal((await api.req('DELETE', `/instances/${created.json.id}`)).status, 204)
    for (const body of ['url=server%3A%2F%2F127.0.0.1%3A1%2F127.0.0.1%3A2', '', 'alias=x'])
      err(await api.req('POST', '/instances', body, { 'Content-Type': 'application/x-www-form-urlencoded' }), 400, 'Invalid request body', 'NP_ERR_BAD_REQUEST')
  })

  await t.test('routes answer under both <prefix>/v1 and <prefix> (D10)', async () => {
    const plain = makeApi(api.base.replace(/\/v1$/, ''), api.key)
    const a = await api.req('GET', `/instances/${id}`)
    const b = await plain.req('GET', `/instances/${id}`)
    assert.equal(a.status, 200)
    assert.deepEqual({ ...b.json, ping: 0, mode: 0, tcps: 0, status: '', tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 }, { ...a.json, ping: 0, mode: 0, tcps: 0, status: '', tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 })
  })
})
