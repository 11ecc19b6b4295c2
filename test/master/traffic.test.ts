// End to end through a real master process: a server and a client instance created through the API form a tunnel
// (each in its own worker thread, running the real tunnel core), 8 MiB go through it, and tcprx/tcptx in GET
// /instances and in SSE `update` frames match the bytes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { freePort, sha256, tcpEcho, tcpRoundTrip, until } from '../helpers/net.js'
import { BIN, SseClient, makeApi, tempDir } from './helpers.js'

test('8 MiB through a server+client pair created via the API; counters match in GET and SSE', async (t) => {
  const dir = await tempDir(t)
  const child = spawn(process.execPath, [BIN, 'master://127.0.0.1:0/api?log=info'], {
    env: { ...process.env, NP_STATE_DIR: dir, NP_REPORT_INTERVAL: '200ms' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
    return exited.then(() => undefined)
  })
  const out: string[] = []
  child.stderr.resume()
  const banner = await new Promise<{ api: string; key: string }>((resolve, reject) => {
    let api = ''
    const timer = setTimeout(() => reject(new Error(out.join('\n'))), 15_000)
    createInterface({ input: child.stdout }).on('line', (l) => {
      out.push(l)
      const a = /^ {2}API:\s+(\S+)/.exec(l)
      if (a) api = a[1]!
      const k = /^ {2}API key[^:]*:\s+([0-9a-f]{32})$/.exec(l)
      if (k) {
        clearTimeout(timer)
        resolve({ api, key: k[1]! })
      }
    })
  })
  const api = makeApi(banner.api, banner.key)
  const sse = await SseClient.open(t, api)
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const s = await api.req('POST', '/instances', { alias: 'srv', url: `server://127.0.0.1:${tunnelPort}/127.0.0.1:${publicPort}` })
  assert.equal(s.status, 201, s.text)
  const c = await api.req('POST', '/instances', { alias: 'cli', url: `client://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2` })
  assert.equal(c.status, 201, c.text)
  const sid = s.json.id as string
  const cid = c.json.id as string
  // the server reports checkpoints only once the tunnel is up
  await sse.waitFrame('server checkpoint', (f) => f.type === 'update' && f.instance?.id === sid && f.instance.mode > 0, 20_000)
  await sse.waitFrame('client checkpoint', (f) => f.type === 'update' && f.instance?.id === cid && f.instance.mode > 0, 20_000)
  await sse.waitFrame('instance log line', (f) => f.type === 'log' && f.instance?.id === sid)
  const mark = sse.frames.length

  const N = 8 * 1024 * 1024
  const payload = randomBytes(N)
  const back = await tcpRoundTrip(publicPort, payload)
  assert.equal(back.length, N)
  assert.equal(sha256(back), sha256(payload))

  const both = (v: any): boolean => v.tcprx === N && v.tcptx === N
  const [sv, cv] = await until(async () => {
    const list = (await api.req('GET', '/instances')).json as any[]
    const a = list.find((x) => x.id === sid)
    const b = list.find((x) => x.id === cid)
    return both(a) && both(b) ? [a, b] : undefined
  }, 20_000, 'GET counters equal the bytes')
  assert.equal(sv.status, 'running')
  assert.equal(cv.status, 'running')
  await sse.waitFrame('SSE server update with the bytes', (f, i) => i >= mark && f.type === 'update' && f.instance.id === sid && both(f.instance))
  await sse.waitFrame('SSE client update with the bytes', (f, i) => i >= mark && f.type === 'update' && f.instance.id === cid && both(f.instance))
  // instance lines are echoed to the master's stdout as `<line> [<id>]`; CHECK_POINT lines are not
  assert.ok(out.some((l) => l.endsWith(` [${sid}]`)))
  assert.ok(!out.some((l) => l.includes('CHECK_POINT')))
  child.kill('SIGTERM')
  assert.equal(await exited, 0)
})
