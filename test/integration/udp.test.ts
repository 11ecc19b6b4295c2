// UDP through the tunnel (reverse and forward) and through single-end mode: datagrams of 1..8192 bytes come back
// byte-identical and unsplit; 60,000-byte datagrams pass when NP_UDP_DATA_BUF_SIZE allows and are dropped (with a
// warning) when it does not.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { udpEcho, freePort } from '../helpers/net.js'
import { startNodePass, testEnv, type NodePassProc } from '../helpers/proc.js'
import { udpEchoCheck, spreadSizes } from '../helpers/udp.js'

async function tunnel(t: { after(fn: () => unknown): void }, flow: 'reverse' | 'forward', targetPort: number, userPort: number, env = testEnv()): Promise<NodePassProc[]> {
  const tunnelPort = await freePort()
  const serverTarget = flow === 'reverse' ? userPort : targetPort
  const clientTarget = flow === 'reverse' ? targetPort : userPort
  const server = startNodePass(`server://udp@127.0.0.1:${tunnelPort}/127.0.0.1:${serverTarget}?mode=${flow === 'reverse' ? 1 : 2}&tls=1`, env, 'S ')
  t.after(() => server.stop())
  await server.waitFor(/TLS code-1/)
  const client = startNodePass(`client://udp@127.0.0.1:${tunnelPort}/127.0.0.1:${clientTarget}?mode=2&min=16`, env, 'C ')
  t.after(() => client.stop())
  await Promise.all([server.waitFor(/fingerprint verified/), client.waitFor(/fingerprint verified/)])
  return [server, client]
}

for (const flow of ['reverse', 'forward'] as const) {
  test(`UDP ${flow} mode: 2,000 datagrams of 1..8192 bytes echo whole and unchanged`, async (t) => {
    const echo = await udpEcho()
    t.after(() => echo.close())
    const userPort = await freePort()
    await tunnel(t, flow, echo.port, userPort)
    const r = await udpEchoCheck(userPort, spreadSizes())
    assert.equal(r.echoed, 2000)
    assert.equal(r.foreign, 0, 'no split, merged or corrupted datagram')
  })
}

test('UDP single-end: 2,000 datagrams of 1..8192 bytes echo whole and unchanged', async (t) => {
  const echo = await udpEcho()
  t.after(() => echo.close())
  const listenPort = await freePort()
  const client = startNodePass(`client://127.0.0.1:${listenPort}/127.0.0.1:${echo.port}?mode=1`, testEnv(), 'C ')
  t.after(() => client.stop())
  await client.waitFor(/CHECK_POINT\|MODE=1/)
  const r = await udpEchoCheck(listenPort, spreadSizes())
  assert.equal(r.echoed, 2000)
  assert.equal(r.foreign, 0)
})

test('60,000-byte datagrams pass with NP_UDP_DATA_BUF_SIZE=65535 and are dropped with a warning at the default', async (t) => {
  const echo = await udpEcho()
  t.after(() => echo.close())
  const big = await freePort()
  await tunnel(t, 'reverse', echo.port, big, testEnv({ NP_UDP_DATA_BUF_SIZE: '65535' }))
  const r = await udpEchoCheck(big, Array.from({ length: 20 }, () => 60_000), { window: 1 }) // one at a time: 4 × 60 KB overflow a default 208 KB socket buffer
  assert.equal(r.echoed, 20)
  assert.equal(r.foreign, 0)

  const small = await freePort()
  const [server] = await tunnel(t, 'reverse', echo.port, small)
  await assert.rejects(udpEchoCheck(small, [60_000], { waitMs: 300, maxRetries: 1 }), /1 datagrams never echoed/)
  await server!.waitFor(/WARN {2}UDP datagram of 60000 bytes dropped: larger than NP_UDP_DATA_BUF_SIZE 16384/)
})
