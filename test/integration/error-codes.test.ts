// Each failure a user can meet, triggered for real (real sockets, real tunnels): the typed state carries the stable
// code, a message naming what failed with which value, and the code's one-line hint; the log line carries the same.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { spawn, spawnSync } from 'node:child_process'
import { TLSSocket, connect as tlsConnect } from 'node:tls'
import { resolve } from 'node:path'
import { HINTS, type ErrorCode, type ErrorInfo } from '../../src/errors.js'
import type { TunnelState } from '../../src/tunnel/types.js'
import { clientCfg, serverCfg } from '../helpers/config.js'
import { freePort, refusedPort, tcpEcho, tcpRoundTrip, until, withTimeout } from '../helpers/net.js'
import { dnsServer } from '../helpers/net-fixtures.js'
import { TLS_DIR, startNodePass, testEnv } from '../helpers/proc.js'
import { isReady, start, startPair, startSingle, type Running } from '../helpers/tunnel-pair.js'

/** The first typed state with this code (error or degraded), waited for. */
async function stateWith(r: Running, code: ErrorCode, ms = 15_000): Promise<TunnelState & { error: ErrorInfo }> {
  const find = (): (TunnelState & { error: ErrorInfo }) | undefined =>
    r.states.find((s): s is TunnelState & { error: ErrorInfo } => 'error' in s && s.error?.code === code)
  await until(() => find() !== undefined, ms, `state with ${code}; got ${JSON.stringify(r.states)}\n${r.lines.slice(-15).join("\n")}`)
  return find()!
}

/** Asserts the error's code, message and hint, and that one log line shows `<message> [<code>] hint: <hint>`. */
function assertReported(r: Running, s: { error: ErrorInfo }, code: ErrorCode, message: string | RegExp): void {
  assert.equal(s.error.code, code)
  if (typeof message === 'string') assert.equal(s.error.message, message)
  else assert.match(s.error.message, message)
  assert.equal(s.error.hint, HINTS[code])
  const tail = `${s.error.message} [${code}] hint: ${HINTS[code]}`
  assert.ok(r.lines.some((l) => l.endsWith(tail)), `no log line ends with ${tail}:\n${r.lines.join('\n')}`)
}

/**
 * Connects, writes, and resolves with how the tunnel ended the connection it refused or failed: 'end' (a FIN) or the
 * error's code (a failed target dial gives ECONNRESET, docs/protocol.md §5).
 */
async function userClosed(port: number): Promise<string> {
  const s = connect(port, '127.0.0.1')
  s.once('connect', () => s.write('hello'))
  s.resume()
  const how = new Promise<string>((resolve) => {
    s.once('end', () => resolve('end'))
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
  try {
    return await withTimeout(how, 20_000, 'user connection closed')
  } finally {
    s.destroy()
  }
}

test('NP_ERR_AUTH_FAILED: a wrong tunnel key puts the client in error; the master-style status stays error while it retries', async (t) => {
  const tp = await freePort()
  start(t, serverCfg(tp, [await freePort()], { mode: 1, key: 'right-key' }))
  const c = start(t, clientCfg(tp, [9], { key: 'wrong-key' }))
  const s = await stateWith(c, 'NP_ERR_AUTH_FAILED')
  assert.equal(s.state, 'error')
  assertReported(c, s, 'NP_ERR_AUTH_FAILED', 'tunnelHandshake: status 401 Unauthorized (wrong tunnel key?)')
  // the next attempt starts with the error it retries after
  await until(() => c.states.some((x) => x.state === 'starting' && x.error?.code === 'NP_ERR_AUTH_FAILED'), 10_000, 'retry')
  assert.ok(!c.states.some((x) => x.state === 'ready'))
})

test('NP_ERR_TARGET_REFUSED: the client of a server that is not running, and a dead target per connection (degraded, then ready)', async (t) => {
  const dead = await refusedPort()
  const c = start(t, clientCfg(dead, [9], { mode: 2 }))
  assertReported(c, await stateWith(c, 'NP_ERR_TARGET_REFUSED'), 'NP_ERR_TARGET_REFUSED',
    `tunnelHandshake: connect ECONNREFUSED 127.0.0.1:${dead}`)

  const target = await refusedPort()
  const listen = await freePort()
  const single = await startSingle(t, clientCfg(listen, [target]), { reportIntervalMs: 300 })
  assert.equal(single.tunnel.state().state, 'ready')
  assert.equal(await userClosed(listen), 'ECONNRESET')
  const s = await stateWith(single, 'NP_ERR_TARGET_REFUSED')
  assert.equal(s.state, 'degraded')
  assertReported(single, s, 'NP_ERR_TARGET_REFUSED', `dial 127.0.0.1:${target}: connect ECONNREFUSED 127.0.0.1:${target}`)
  // quiet for a report interval: ready again
  const at = single.states.indexOf(s)
  await until(() => single.states.slice(at).some((x) => x.state === 'ready'), 10_000, 'ready again')
})

test('NP_ERR_DNS_FAILED: a target name the DNS server does not know', async (t) => {
  const dns = await dnsServer(t)
  const listen = await freePort()
  const cfg = clientCfg(listen, [80], { dns: { ttlMs: 0, servers: [`127.0.0.1:${dns.port}`] } })
  const single = await startSingle(t, { ...cfg, targets: [{ host: 'nowhere.example', port: 80 }] })
  assert.equal(await userClosed(listen), 'ECONNRESET')
  const s = await stateWith(single, 'NP_ERR_DNS_FAILED')
  assertReported(single, s, 'NP_ERR_DNS_FAILED', /^dial nowhere\.example:80: resolve nowhere\.example: /)
})

test('NP_ERR_PROTOCOL_MISMATCH: the client reaches something that is not a NodePass server', async (t) => {
  // an SSH-like banner (not HTTP at all) and a web server answering 404
  const banner = createServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'))
  banner.listen(0, '127.0.0.1')
  await once(banner, 'listening')
  t.after(() => banner.close())
  const web = createServer((s) => {
    s.on('error', () => {})
    s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
  })
  web.listen(0, '127.0.0.1')
  await once(web, 'listening')
  t.after(() => web.close())
  const portOf = (srv: typeof web): number => (srv.address() as { port: number }).port

  const a = start(t, clientCfg(portOf(banner), [9], { mode: 2 }))
  assertReported(a, await stateWith(a, 'NP_ERR_PROTOCOL_MISMATCH'), 'NP_ERR_PROTOCOL_MISMATCH', /^tunnelHandshake: Parse Error/)
  const b = start(t, clientCfg(portOf(web), [9], { mode: 2 }))
  assertReported(b, await stateWith(b, 'NP_ERR_PROTOCOL_MISMATCH'), 'NP_ERR_PROTOCOL_MISMATCH', 'tunnelHandshake: status 404')
})

test('NP_ERR_TLS_UNTRUSTED: a tls=2 server whose certificate the client does not trust', async (t) => {
  const tp = await freePort()
  const tls = { mode: 2 as const, crt: resolve(TLS_DIR, 'untrusted.crt'), key: resolve(TLS_DIR, 'untrusted.key') }
  start(t, serverCfg(tp, [await freePort()], { mode: 1, tls }), { handshakeTimeoutMs: 1000 })
  const c = start(t, clientCfg(tp, [9], { sni: 'localhost' }), { handshakeTimeoutMs: 1000 })
  const s = await stateWith(c, 'NP_ERR_TLS_UNTRUSTED')
  assertReported(c, s, 'NP_ERR_TLS_UNTRUSTED', new RegExp(`^setControlConn: handshake timeout \\(pool dial: dial 127\\.0\\.0\\.1:${tp}: self-signed certificate(; if the root CA is installed locally, try running Node\\.js with --use-system-ca)?\\)`))
})

test('NP_ERR_SLOT_LIMIT: slot=1 refuses the second connection at once and marks the server degraded', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tp = await freePort()
  const pub = await freePort()
  const { server } = await startPair(t, serverCfg(tp, [pub], { slot: 1 }), clientCfg(tp, [echo.port]))
  const first = connect(pub, '127.0.0.1')
  t.after(() => first.destroy())
  first.write('x')
  await withTimeout(once(first, 'data'), 10_000, 'first served')
  assert.equal(await userClosed(pub), 'end')
  const s = await stateWith(server, 'NP_ERR_SLOT_LIMIT')
  assert.equal(s.state, 'degraded')
  assertReported(server, s, 'NP_ERR_SLOT_LIMIT', 'TCP slot limit reached: 1/1')
})

test('NP_ERR_POOL_EXHAUSTED: more users at once than the idle pool, while the client cannot refill it', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tp = await freePort()
  const pub = await freePort()
  const server = start(t, serverCfg(tp, [pub], { mode: 1, key: 'k' }), { poolGetTimeoutMs: 500, reportIntervalMs: 5000 })
  // the client is a real process, frozen (SIGSTOP) once the server holds its idle pool: nothing refills it
  const client = startNodePass(`client://k@127.0.0.1:${tp}/127.0.0.1:${echo.port}?mode=2&min=2&max=2`, testEnv({ NP_REPORT_INTERVAL: '5s' }), 'C ')
  t.after(async () => {
    client.child.kill('SIGCONT')
    await client.stop()
  })
  await until(() => isReady(server) && server.tunnel.stats().pool >= 1, 15_000, 'server pool filled')
  client.child.kill('SIGSTOP')
  const errors: string[] = []
  const users = Array.from({ length: 4 }, () => {
    const u = connect(pub, '127.0.0.1')
    u.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message))
    u.write('x')
    return u
  })
  t.after(() => users.forEach((u) => u.destroy()))
  const s = await stateWith(server, 'NP_ERR_POOL_EXHAUSTED')
  assert.equal(s.state, 'degraded')
  assertReported(server, s, 'NP_ERR_POOL_EXHAUSTED', 'acquire: request timeout')
  // A user left without a pool connection is reset, not closed as if served.
  await until(() => errors.length > 0, 5000, 'a user reset')
  assert.equal(errors[0], 'ECONNRESET')
})

test('NP_ERR_RATE_LIMITED: rate=1 holds a transfer back; the tunnel says so once, degraded', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const listen = await freePort()
  const single = await startSingle(t, clientCfg(listen, [echo.port], { rate: 1 }), { reportIntervalMs: 300 })
  const payload = Buffer.alloc(256 << 10, 7)
  assert.equal((await tcpRoundTrip(listen, payload)).length, payload.length)
  const s = await stateWith(single, 'NP_ERR_RATE_LIMITED')
  assert.equal(s.state, 'degraded')
  assert.match(s.error.message, /^rate=1: traffic waited \d+ times for the 1 Mbps limit$/)
  assert.equal(s.error.hint, HINTS.NP_ERR_RATE_LIMITED)
  assert.ok(single.lines.some((l) => l.endsWith(`WARN  Rate limit active: ${s.error.message} [NP_ERR_RATE_LIMITED] hint: ${HINTS.NP_ERR_RATE_LIMITED}`)),
    single.lines.join('\n'))
})

test('NP_ERR_TLS_FINGERPRINT_MISMATCH: a proxy that terminates TLS with its own certificate is caught, no user is served', async (t) => {
  const tp = await freePort()
  const pub = await freePort()
  const server = start(t, serverCfg(tp, [pub], { mode: 1, tls: { mode: 1 } }))
  const cert = { cert: readFileSync(resolve(TLS_DIR, 'untrusted.crt')), key: readFileSync(resolve(TLS_DIR, 'untrusted.key')) }
  // The handshake (plain HTTP) is passed through; every TLS pool connection is re-encrypted with the proxy's certificate.
  const proxy = createServer((inbound) => {
    inbound.on('error', () => {})
    inbound.once('readable', () => {
      const first = inbound.read(1) as Buffer | null
      if (first === null) return void inbound.destroy()
      inbound.unshift(first)
      if (first[0] !== 0x16) {
        const out = connect(tp, '127.0.0.1')
        out.on('error', () => inbound.destroy())
        inbound.pipe(out).pipe(inbound)
        return
      }
      const front = new TLSSocket(inbound, { isServer: true, ...cert })
      const back = tlsConnect({ host: '127.0.0.1', port: tp, rejectUnauthorized: false })
      front.on('error', () => back.destroy())
      back.on('error', () => front.destroy())
      front.pipe(back).pipe(front)
    })
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  t.after(() => proxy.close())
  const c = start(t, clientCfg((proxy.address() as { port: number }).port, [9]))
  const s = await stateWith(c, 'NP_ERR_TLS_FINGERPRINT_MISMATCH')
  assertReported(c, s, 'NP_ERR_TLS_FINGERPRINT_MISMATCH', /^certificate fingerprint mismatch: server: \S+ - client: \S+$/)
  assert.ok(!c.states.some((x) => x.state === 'ready') && !server.states.some((x) => x.state === 'ready'), 'never ready')
})

/** A listener that never accepts (python3, backlog 0) with its one queue slot taken: further connects time out. */
async function blackhole(t: { after(fn: () => unknown): void }): Promise<number | undefined> {
  const py = spawnSync('python3', ['-c', 'print(1)'])
  if (py.status !== 0) return undefined
  const p = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)"])
  t.after(() => p.kill())
  const port = await withTimeout(new Promise<number>((r) => p.stdout.once('data', (d: Buffer) => r(Number(String(d).trim())))), 10_000, 'python listener')
  const filler = connect(port, '127.0.0.1')
  filler.on('error', () => {})
  t.after(() => filler.destroy())
  await once(filler, 'connect')
  return port
}

test('NP_ERR_TARGET_TIMEOUT: a target that never answers within NP_TCP_DIAL_TIMEOUT', async (t) => {
  const port = await blackhole(t)
  if (port === undefined) return t.skip('needs python3 for a listener that never accepts')
  const listen = await freePort()
  const single = await startSingle(t, clientCfg(listen, [port]), { tcpDialTimeoutMs: 500, reportIntervalMs: 300 })
  assert.equal(await userClosed(listen), 'ECONNRESET')
  const s = await stateWith(single, 'NP_ERR_TARGET_TIMEOUT')
  assert.equal(s.state, 'degraded')
  assertReported(single, s, 'NP_ERR_TARGET_TIMEOUT', `dial 127.0.0.1:${port}: timeout after 500ms`)
})
