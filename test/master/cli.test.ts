// The real binary: banner (API, docs, state, key on first start only), default state dir, graceful SIGTERM.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Agent as HttpAgent, get as httpGet, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, get as httpsGet } from 'node:https'
import { connect } from 'node:net'
import { once } from 'node:events'
import { test, type TestContext } from 'node:test'
import { BIN, SseClient, makeApi, tempDir } from './helpers.js'

async function runBin(t: TestContext, url: string, env: Record<string, string | undefined>) {
  const fullEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) fullEnv[k] = v
  const child = spawn(process.execPath, [BIN, url], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    return exited.then(() => undefined)
  })
  const out: string[] = []
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const banner = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out.join('\n')} ${stderr}`)), 15_000)
    const got: Record<string, string> = {}
    createInterface({ input: child.stdout }).on('line', (l) => {
      out.push(l)
      const m = /^ {2}(API|Docs|State|API key \(first start[^)]*\)):\s+(\S+)/.exec(l)
      if (m) got[m[1]!.startsWith('API key') ? 'key' : m[1]!] = m[2]!
      if (got.State) {
        setTimeout(() => {
          clearTimeout(timer)
          resolve(got)
        }, 100)
      }
    })
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  return { child, out, banner, exited }
}

const RELEASE = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version

test('bin/nodepass --version (and -v) prints our release, the API level and Node.js, and exits 0', () => {
  for (const flag of ['--version', '-v']) {
    const r = spawnSync(process.execPath, [BIN, flag], { encoding: 'utf8', timeout: 15_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, `nodepass ${RELEASE} (NodePass API v1.14.0, Node.js ${process.version})\n`)
  }
})

test('bin/nodepass master://: banner, key only on first start, default state dir, graceful SIGTERM', async (t) => {
  const home = await tempDir(t)
  const env = { NP_STATE_DIR: undefined, XDG_STATE_HOME: undefined, HOME: home }
  const a = await runBin(t, 'master://127.0.0.1:0/api?log=info', env)
  assert.match(a.banner.API!, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
  assert.match(a.banner.Docs!, /^http:\/\/127\.0\.0\.1:\d+\/api\/docs$/)
  assert.equal(a.banner.State, join(home, '.local/state/nodepass/nodepass.json'))
  assert.match(a.banner.key!, /^[0-9a-f]{32}$/)
  // our release is visible in the banner beside the API level /info reports
  assert.ok(a.out.includes(`  Version: ${RELEASE} (NodePass API v1.14.0; /info reports ver=v1.14.0, release=${RELEASE})`), a.out.join('\n'))
  const api = makeApi(a.banner.API!, a.banner.key!)
  assert.equal((await api.req('GET', '/instances')).status, 200)
  const sse = await SseClient.open(t, api)
  await sse.waitFrame('initial', (f) => f.type === 'initial')
  const docs = await fetch(a.banner.Docs!)
  assert.equal(docs.status, 200)
  // the key is printed exactly once, in the banner
  assert.equal(a.out.filter((l) => l.includes(a.banner.key!)).length, 1)
  a.child.kill('SIGTERM')
  // event streams get `shutdown` and close; the state is saved; exit 0
  const sd = await sse.waitFrame('shutdown on SIGTERM', (f) => f.type === 'shutdown')
  assert.equal(sd.instance, null)
  await sse.waitEnd()
  assert.equal(await a.exited, 0)
  assert.ok(a.out.some((l) => l.includes('Instances saved:')))

  const b = await runBin(t, 'master://127.0.0.1:0/api?log=info', env)
  assert.equal(b.banner.key, undefined, 'no key on a second start')
  assert.ok(!b.out.some((l) => l.includes(a.banner.key!)), 'the key is never logged again')
  assert.equal((await makeApi(b.banner.API!, a.banner.key!).req('GET', '/instances')).status, 200)
  b.child.kill('SIGTERM')
  await b.exited

  // XDG_STATE_HOME wins over HOME; NP_STATE_DIR over both
  const xdg = join(home, 'xdg')
  const c = await runBin(t, 'master://127.0.0.1:0', { ...env, XDG_STATE_HOME: xdg })
  assert.equal(c.banner.State, join(xdg, 'nodepass/nodepass.json'))
  assert.match(c.banner.API!, /\/api\/v1$/, 'default prefix /api')
  c.child.kill('SIGTERM')
  await c.exited
  const np = join(home, 'np')
  const d = await runBin(t, 'master://127.0.0.1:0/admin/', { ...env, NP_STATE_DIR: np })
  assert.equal(d.banner.State, join(np, 'nodepass.json'))
  assert.match(d.banner.API!, /\/admin\/v1$/)
  d.child.kill('SIGTERM')
  await d.exited
  assert.ok(existsSync(join(np, 'nodepass.json.backup')))
})

test('SIGTERM with stalled API clients (no request yet, half-sent headers, no TLS handshake): exit 0, every connection closed', async (t) => {
  for (const tls of ['0', '1']) {
    const home = await tempDir(t)
    // NP_SHUTDOWN_TIMEOUT is far above the API's close grace: a master held by these clients would exit 1 after it.
    const m = await runBin(t, `master://127.0.0.1:0/api?tls=${tls}`, { NP_STATE_DIR: home, NP_SHUTDOWN_TIMEOUT: '60s' })
    const port = Number(new URL(m.banner.API!).port)
    const stalled = await Promise.all(
      ['', 'GET /api/v1/info HTTP/1.1\r\nHost: x\r\n'].map(async (head) => {
        const s = connect(port, '127.0.0.1')
        s.on('error', () => {})
        t.after(() => s.destroy())
        await once(s, 'connect')
        if (head) s.write(head)
        return s
      }),
    )
    // a finished request on a kept-alive connection, too
    const agent = tls === '1' ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false }) : new HttpAgent({ keepAlive: true })
    t.after(() => agent.destroy())
    const get = tls === '1' ? httpsGet : httpGet
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${m.banner.API!}/info`, { agent, headers: { 'X-API-Key': m.banner.key! } }, resolve).on('error', reject))
    res.resume()
    await once(res, 'end')
    assert.equal(res.statusCode, 200)
    m.child.kill('SIGTERM')
    assert.equal(await m.exited, 0, `tls=${tls}: ${m.out.join('\n')}`)
    await Promise.all(stalled.map((s) => (s.closed ? undefined : once(s, 'close'))))
  }
})
