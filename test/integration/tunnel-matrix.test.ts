// Server and client as real processes, reverse and forward mode × tls 0/1/2: 32 MiB each way with matching SHA-256
// and 200 concurrent connections each echoing 64 KiB.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { tcpEcho, freePort, tcpEchoExact } from '../helpers/net.js'
import { startNodePass, testEnv, TLS_DIR } from '../helpers/proc.js'

const TLS = {
  0: '',
  1: '&tls=1',
  2: `&tls=2&crt=${resolve(TLS_DIR, 'server.crt')}&key=${resolve(TLS_DIR, 'server.key')}`,
} as const

for (const flow of ['reverse', 'forward'] as const) {
  for (const tls of [0, 1, 2] as const) {
    test(`${flow} mode, tls=${tls}: 32 MiB each way and 200 concurrent echoes`, async (t) => {
      const echo = await tcpEcho()
      t.after(() => echo.close())
      const tunnelPort = await freePort()
      const userPort = await freePort()
      const env = testEnv({ NODE_EXTRA_CA_CERTS: resolve(TLS_DIR, 'ca.crt'), NP_REPORT_INTERVAL: '5s', NP_POOL_GET_TIMEOUT: '30s' }) // generous: CI shares 2 cores
      // reverse: the server listens for users on userPort, the client dials the echo target.
      // forward: the client listens for users on userPort, the server dials the echo target.
      const serverTarget = flow === 'reverse' ? userPort : echo.port
      const clientTarget = flow === 'reverse' ? echo.port : userPort
      const server = startNodePass(`server://matrix@127.0.0.1:${tunnelPort}/127.0.0.1:${serverTarget}?mode=${flow === 'reverse' ? 1 : 2}${TLS[tls]}`, env, 'S ')
      t.after(() => server.stop())
      await server.waitFor(/TLS code-/)
      const client = startNodePass(`client://matrix@localhost:${tunnelPort}/127.0.0.1:${clientTarget}?mode=2&min=32${tls === 2 ? '&sni=localhost' : ''}`, env, 'C ')
      t.after(() => client.stop())
      const ready = tls === 0 ? /Marking tunnel handshake as complete/ : /TLS certificate fingerprint verified/
      await Promise.all([server.waitFor(ready), client.waitFor(ready)])

      const bulk = await tcpEchoExact(userPort, 32 << 20)
      assert.equal(bulk.got, bulk.sent, '32 MiB echoed byte-identical')

      const many = await Promise.all(Array.from({ length: 200 }, () => tcpEchoExact(userPort, 64 << 10)))
      for (const r of many) assert.equal(r.got, r.sent)

      assert.equal((await server.stop()).code, 0)
      assert.equal((await client.stop()).code, 0)
    })
  }
}
