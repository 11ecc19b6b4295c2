// Hostile HTTP clients against the master API: CONNECT gets a 405 reply instead of a dropped socket,
// and slow (slowloris-style) headers or bodies are cut off close to the configured limits, not up to 30 s later.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { startInProcess } from './helpers.js'
import { HINTS } from '../../src/errors.js'

interface RawResult {
  text: string
  closedAfterMs: number
}

/** Opens a raw socket to the API, runs `drive` on it, and resolves with what came back when the server closes it. */
function raw(base: string, drive: (s: Socket, closed: () => boolean) => void, limitMs: number): Promise<RawResult> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port) })
    const started = Date.now()
    let text = ''
    let closed = false
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error(`server kept the socket open for ${limitMs} ms; got ${JSON.stringify(text)}`))
    }, limitMs)
    s.setEncoding('utf8')
    s.on('data', (d: string) => (text += d))
    s.on('error', () => undefined)
    s.on('close', () => {
      closed = true
      clearTimeout(timer)
      resolve({ text, closedAfterMs: Date.now() - started })
    })
    s.on('connect', () => drive(s, () => closed))
  })
}

/** Writes `chunk` every `everyMs` while the socket is open (at most `max` times). */
function trickle(s: Socket, closed: () => boolean, chunk: string, everyMs: number, max: number): void {
  let n = 0
  const tick = (): void => {
    if (closed() || n++ >= max) return
    s.write(chunk)
    setTimeout(tick, everyMs)
  }
  tick()
}

test('CONNECT to the master is answered 405 like any other unsupported method', async (t) => {
  const { api } = await startInProcess(t)
  const r = await raw(api.base, (s) => s.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), 5000)
  assert.match(r.text, /^HTTP\/1\.1 405 Method Not Allowed\r\n/)
  assert.match(r.text, /\r\nAccess-Control-Allow-Origin: \*\r\n/)
  const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4)
  assert.deepEqual(JSON.parse(body), { error: 'Method not allowed', code: 'NP_ERR_METHOD_NOT_ALLOWED', hint: HINTS.NP_ERR_METHOD_NOT_ALLOWED })
  // the API still serves afterwards
  assert.equal((await api.req('GET', '/info')).status, 200)
})

const HEADERS_MS = 1000
const REQUEST_MS = 2000
// Node sweeps every quarter of the header limit (250 ms here); the rest is room for a loaded 2-core machine.
const MARGIN_MS = 1500

test('headers sent slowly (slowloris) are cut off at the header timeout, not up to 30 s later', async (t) => {
  const { api } = await startInProcess(t, { apiTimeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS } })
  const path = new URL(api.base).pathname
  const r = await raw(
    api.base,
    (s, closed) => {
      s.write(`GET ${path}/info HTTP/1.1\r\nHost: x\r\n`)
      trickle(s, closed, 'X-Slow: 1\r\n', 100, 200)
    },
    HEADERS_MS + MARGIN_MS,
  )
  assert.ok(r.closedAfterMs >= HEADERS_MS - 50, `closed after ${r.closedAfterMs} ms, before the ${HEADERS_MS} ms limit`)
  assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/)
})

test('a body sent slowly is cut off at the request timeout', async (t) => {
  const { api } = await startInProcess(t, { apiTimeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS } })
  const path = new URL(api.base).pathname
  const r = await raw(
    api.base,
    (s, closed) => {
      s.write(`POST ${path}/info HTTP/1.1\r\nHost: x\r\nX-API-Key: ${api.key}\r\nContent-Length: 1000\r\n\r\n{"alias":"`)
      trickle(s, closed, 'a', 100, 400)
    },
    REQUEST_MS + MARGIN_MS,
  )
  assert.ok(r.closedAfterMs >= REQUEST_MS - 50, `closed after ${r.closedAfterMs} ms, before the ${REQUEST_MS} ms limit`)
  // the alias was never applied
  assert.equal((await api.req('GET', '/info')).json.alias, '')
})
