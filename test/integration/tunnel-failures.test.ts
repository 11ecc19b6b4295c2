// Failure paths with real processes: wrong key, untrusted certificate, server killed and restarted, SIGTERM under load.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { tcpEcho, freePort, tcpEchoExact, withTimeout } from '../helpers/net.js'
import { startNodePass, testEnv, TLS_DIR } from '../helpers/proc.js'

test('a client with the wrong tunnel key is refused and the server opens no pool', async (t) => {
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const server = startNodePass(`server://right-key@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1`, testEnv(), 'S ')
  t.after(() => server.stop())
  await server.waitFor(/TLS code-0/)
  const client = startNodePass(`client://wrong-key@127.0.0.1:${tunnelPort}/127.0.0.1:9?mode=2`, testEnv(), 'C ')
  t.after(() => client.stop())
  await client.waitFor(/ERROR {2}Client error: tunnelHandshake: status 401 Unauthorized \(wrong tunnel key\?\) \[NP_ERR_AUTH_FAILED\] hint: use the same tunnel key \(the part before @\) in the client URL as in the server URL$/)
  await server.waitFor(/WARN {2}Tunnel handshake refused from 127\.0\.0\.1: invalid tunnel key$/)
  // it keeps trying (and keeps being refused) after the cooldown
  const first = client.lines.findIndex((l) => l.includes('status 401'))
  await client.waitFor(/Client error: tunnelHandshake: status 401/, 10_000, first + 1)
  assert.ok(!server.lines.some((l) => /Sending tunnel config|Getting tunnel pool ready/.test(l)), 'no pool was opened')
  assert.ok(!client.lines.concat(server.lines).some((l) => l.includes('right-key') || l.includes('wrong-key')), 'keys never logged')
})

test('a tls=2 client refuses a server certificate it does not trust', async (t) => {
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const crt = resolve(TLS_DIR, 'untrusted.crt')
  const key = resolve(TLS_DIR, 'untrusted.key')
  const env = testEnv({ NP_HANDSHAKE_TIMEOUT: '1s' })
  const server = startNodePass(`server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&tls=2&crt=${crt}&key=${key}`, env, 'S ')
  t.after(() => server.stop())
  await server.waitFor(/TLS code-2/)
  const client = startNodePass(`client://k@localhost:${tunnelPort}/127.0.0.1:9?mode=2&sni=localhost`, env, 'C ')
  t.after(() => client.stop())
  // Node 24 appends a hint to certificate errors (Node 20 and 22 do not); the message is otherwise the same.
  await client.waitFor(/ERROR {2}Client error: setControlConn: handshake timeout \(pool dial: dial (?:localhost|127\.0\.0\.1):\d+: self-signed certificate(?:; if the root CA is installed locally, try running Node\.js with --use-system-ca)?\) \[NP_ERR_TLS_UNTRUSTED\] hint: give the server a certificate from a CA this host trusts/)
  assert.ok(!client.lines.some((l) => l.includes('fingerprint verified')))
  // users at the server are never connected to anything
  assert.ok(!server.lines.some((l) => l.includes('fingerprint verified')))
})

test('the client carries traffic again within 5 s of the killed server coming back', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const env = testEnv({ NP_SERVICE_COOLDOWN: '3s' }) // upstream's default cooldown
  const url = `server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&tls=1`
  const first = startNodePass(url, env, 'S1 ')
  await first.waitFor(/TLS code-1/)
  const client = startNodePass(`client://k@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2&min=8`, env, 'C ')
  t.after(() => client.stop())
  await first.waitFor(/fingerprint verified/)
  assert.equal((await tcpEchoExact(userPort, 100_000)).got !== '', true)
  assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL')
  await client.waitFor(/Client error: control/)

  const restartedAt = Date.now()
  const second = startNodePass(url, env, 'S2 ')
  t.after(() => second.stop())
  let recovered = 0
  for (let i = 0; i < 200 && !recovered; i++) {
    try {
      const r = await tcpEchoExact(userPort, 64 << 10, '127.0.0.1', 2000)
      if (r.got === r.sent) recovered = Date.now()
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  assert.ok(recovered > 0, 'traffic never resumed')
  const ms = recovered - restartedAt
  t.diagnostic(`traffic resumed ${ms} ms after the server restarted`)
  assert.ok(ms < 5000, `traffic resumed after ${ms} ms`)
})

test('SIGTERM with 50 open connections: clean exit within NP_SHUTDOWN_TIMEOUT, no listener left', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const tunnelPort = await freePort()
  const userPort = await freePort()
  const env = testEnv({ NP_SHUTDOWN_TIMEOUT: '5s' })
  const server = startNodePass(`server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1`, env, 'S ')
  t.after(() => server.stop('SIGKILL'))
  await server.waitFor(/TLS code-0/)
  const client = startNodePass(`client://k@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2`, env, 'C ')
  t.after(() => client.stop('SIGKILL'))
  await server.waitFor(/Marking tunnel handshake as complete/)
  const socks: Socket[] = []
  t.after(() => socks.forEach((s) => s.destroy()))
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      const s = connect({ host: '127.0.0.1', port: userPort })
      socks.push(s)
      s.on('error', () => {})
      await once(s, 'connect')
      s.write('x')
      await withTimeout(once(s, 'data'), 20_000, 'echo') // the connection is relayed end to end
    }),
  )
  // Each user's connection is cut by the stop: a reset, not an end it could take for the server's (protocol.md §5).
  const cut = Promise.all(socks.map((s) => new Promise<string>((resolve) => {
    s.once('end', () => resolve('end'))
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })))
  const t0 = Date.now()
  const exit = await server.stop('SIGTERM')
  const ms = Date.now() - t0
  assert.equal(exit.code, 0)
  assert.ok(ms < 5000, `exit took ${ms} ms`)
  await server.waitFor(/INFO {2}Server shutdown complete/)
  assert.deepEqual([...new Set(await cut)], ['ECONNRESET'])
  // nothing listens on the server's ports any more: both can be bound again at once
  for (const port of [tunnelPort, userPort]) {
    const probe = createServer()
    probe.listen(port, '127.0.0.1')
    await once(probe, 'listening')
    await new Promise((r) => probe.close(r))
  }
  const cexit = await client.stop('SIGTERM')
  assert.equal(cexit.code, 0)
})
