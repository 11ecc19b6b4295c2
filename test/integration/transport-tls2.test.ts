// tls=2 (certificate files, verified by the client) over the WebSocket, HTTP/2 and QUIC pools, with real processes:
// a trusted certificate carries TCP (SHA-256) and UDP datagrams; an untrusted one is refused before any pool forms.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { freePort, tcpEchoExact } from '../helpers/net.js'
import { startNodePass, testEnv, TLS_DIR } from '../helpers/proc.js'
import { echoTarget, udpEchoSizes } from '../helpers/transport-pair.js'

// How each client reports an untrusted certificate: node:tls names the reason; quiche (QUIC) gives none, so the
// message says what tls=2 checks and where the CAs come from.
const UNTRUSTED = /ERROR {2}Client error: .*self-signed certificate/
const TYPES = [
  { type: 2, name: 'ws', skip: false, untrusted: UNTRUSTED },
  { type: 3, name: 'h2', skip: false, untrusted: UNTRUSTED },
  {
    type: 1, name: 'quic', skip: false,
    untrusted: /ERROR {2}Client error: .*dial localhost:\d+\/quic: certificate verification failed: the server's certificate is not signed by a trusted CA \(system store or NODE_EXTRA_CA_CERTS\) or not valid for localhost/,
  },
] as const

function tls2(file: 'server' | 'untrusted'): string {
  return `tls=2&crt=${resolve(TLS_DIR, `${file}.crt`)}&key=${resolve(TLS_DIR, `${file}.key`)}`
}

for (const { type, name, skip, untrusted } of TYPES) {
  test(`type=${type} (${name}) with tls=2: verified certificate, TCP bytes and UDP datagrams intact`, { skip }, async (t) => {
    const echoPort = await echoTarget(t)
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const env = testEnv({ NODE_EXTRA_CA_CERTS: resolve(TLS_DIR, 'ca.crt'), NP_POOL_GET_TIMEOUT: '30s' })
    const server = startNodePass(`server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&type=${type}&${tls2('server')}`, env, 'S ')
    t.after(() => server.stop())
    await server.waitFor(/TLS code-2/)
    const client = startNodePass(`client://k@localhost:${tunnelPort}/127.0.0.1:${echoPort}?mode=2&min=8&sni=localhost`, env, 'C ')
    t.after(() => client.stop())
    await Promise.all([server.waitFor(/TLS certificate fingerprint verified/), client.waitFor(/TLS certificate fingerprint verified/)])

    const bulk = await tcpEchoExact(userPort, 4 << 20)
    assert.equal(bulk.got, bulk.sent, '4 MiB echoed byte-identical')
    const many = await Promise.all(Array.from({ length: 50 }, () => tcpEchoExact(userPort, 16 << 10)))
    for (const r of many) assert.equal(r.got, r.sent)
    await udpEchoSizes(userPort, [1, 512, 1400, 8192])

    assert.equal((await server.stop()).code, 0)
    assert.equal((await client.stop()).code, 0)
  })

  test(`type=${type} (${name}) with tls=2: an untrusted certificate is refused, no pool forms`, { skip }, async (t) => {
    const tunnelPort = await freePort()
    const userPort = await freePort()
    const env = testEnv({ NP_HANDSHAKE_TIMEOUT: '1s' })
    const server = startNodePass(`server://k@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1&type=${type}&${tls2('untrusted')}`, env, 'S ')
    t.after(() => server.stop())
    await server.waitFor(/TLS code-2/)
    const client = startNodePass(`client://k@localhost:${tunnelPort}/127.0.0.1:9?mode=2&sni=localhost`, env, 'C ')
    t.after(() => client.stop())
    await client.waitFor(untrusted)
    assert.ok(!client.lines.some((l) => l.includes('fingerprint verified')))
    assert.ok(!server.lines.some((l) => l.includes('fingerprint verified')))
  })
}
