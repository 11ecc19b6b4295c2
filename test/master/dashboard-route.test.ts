// The dashboard's static route: `/` of the master's address serves web/dist without auth; content types,
// the API prefix handed to the page, HEAD, 404 for anything missing and no way out of web/dist.
import { request } from 'node:http'
import { readdir } from 'node:fs/promises'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DASHBOARD_DIR } from '../../src/master/routes/dashboard.js'
import { startInProcess } from './helpers.js'

/** A raw request: the path goes out exactly as written (fetch would normalise `..`). */
function raw(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('dashboard route: index, assets, prefix meta, HEAD, 404s and no traversal', async (t) => {
  const { master } = await startInProcess(t, { url: 'master://127.0.0.1:0/admin?log=info' })
  const port = master.port
  assert.equal(master.dashboardUrl, `http://127.0.0.1:${port}/`)

  const index = await raw(port, '/')
  assert.equal(index.status, 200)
  assert.equal(index.type, 'text/html; charset=utf-8')
  assert.match(index.body, /<meta name="np-api-prefix" content="\/admin">/)
  assert.equal((await raw(port, '/index.html')).body, index.body)

  const assets = await readdir(`${DASHBOARD_DIR}assets`)
  const js = assets.find((f) => f.endsWith('.js'))
  const css = assets.find((f) => f.endsWith('.css'))
  assert.ok(js && css, `built assets missing in ${DASHBOARD_DIR}`)
  const jsRes = await raw(port, `/assets/${js}`)
  assert.equal(jsRes.status, 200)
  assert.equal(jsRes.type, 'text/javascript; charset=utf-8')
  assert.ok(index.body.includes(`/assets/${js}`))
  assert.equal((await raw(port, `/assets/${css}`)).type, 'text/css; charset=utf-8')
  const head = await raw(port, `/assets/${js}`, 'HEAD')
  assert.equal(head.status, 200)
  assert.equal(head.body, '')

  for (const path of ['/nope.js', '/assets/', '/assets', '/../package.json', '/assets/../../package.json',
    '/%2e%2e/package.json', '/..%2fpackage.json', '/.gitignore', '/assets/..%5c..%5cpackage.json', '/index.html%00']) {
    const r = await raw(port, path)
    assert.equal(r.status, 404, path)
    assert.equal(r.body, '404 page not found\n', path)
  }
  assert.equal((await raw(port, '/', 'POST')).status, 404)
  // The API keeps its auth; the old root-level paths are not the API.
  assert.equal((await raw(port, '/admin/v1/instances')).status, 401)
  assert.equal((await raw(port, '/api/v1/instances')).status, 404)
})
