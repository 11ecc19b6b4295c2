// type=3 (HTTP/2): either end shutting down while pool streams carry a live TCP connection and a UDP session must
// leave the other end working. Before the fix the survivor reset its open streams one by one after the peer's close
// had begun, nghttp2 never returned from SendPendingData, and the process spun at 100 % CPU until SIGKILL.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { freePort, withTimeout } from '../helpers/net.js'
import { startNodePass, testEnv } from '../helpers/proc.js'
import { echoTarget } from '../helpers/transport-pair.js'

for (const first of ['server', 'client'] as const) {
  test(`h2: the ${first} stops while streams are live; the other end keeps running and stops cleanly`, async (t) => {
    const echoPort = await echoTarget(t)
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const env = testEnv()
    const server = startNodePass(`server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&type=3&tls=1`, env, 'S ')
    t.after(() => server.stop())
    await server.waitFor(/TLS code-1/)
    const client = startNodePass(`client://k@127.0.0.1:${tunnelPort}/127.0.0.1:${echoPort}?mode=2&min=8`, env, 'C ')
    t.after(() => client.stop())
    await Promise.all([server.waitFor(/fingerprint verified/), client.waitFor(/fingerprint verified/)])

    // A TCP connection left open and a UDP session, each carried by a pool stream.
    const tcp = connect(userPort, '127.0.0.1')
    tcp.on('error', () => {})
    t.after(() => tcp.destroy())
    tcp.write('tcp-live')
    const [echoed] = (await withTimeout(once(tcp, 'data'), 10_000, 'tcp echo')) as [Buffer]
    assert.equal(echoed.toString(), 'tcp-live')
    const udp = createSocket('udp4')
    t.after(() => udp.close())
    udp.bind(0, '127.0.0.1')
    await once(udp, 'listening')
    udp.send('udp-live', userPort, '127.0.0.1')
    const [dgram] = (await withTimeout(once(udp, 'message'), 10_000, 'udp echo')) as [Buffer]
    assert.equal(dgram.toString(), 'udp-live')

    const [gone, survivor, role] = first === 'server' ? [server, client, 'Client'] : [client, server, 'Server']
    const from = survivor.lines.length
    assert.equal((await gone.stop()).code, 0)
    // The survivor notices and carries on: its event loop still runs (a spinning process logs nothing more).
    await survivor.waitFor(new RegExp(`${role} error: |${role} restart`), 15_000, from)
    if (first === 'server') await survivor.waitFor(/Client restart/, 15_000, from)
    assert.equal((await survivor.stop()).code, 0)
  })
}
