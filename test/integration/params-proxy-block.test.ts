// proxy= and block= through real tunnels: reverse, forward and single-end, IPv4 and IPv6.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { clientCfg, serverCfg } from '../helpers/config.js'
import { freePort, sha256, tcpEcho, until, withTimeout } from '../helpers/net.js'
import { tcpServer } from '../helpers/net-fixtures.js'
import { startPair, startSingle } from '../helpers/tunnel-pair.js'
import { parseProxyV1, type ParsedProxyHeader } from '../../src/net/proxy-protocol.js'

/** A target that parses the PROXY header and then echoes the payload after it. */
async function proxyTarget(t: TestContext, host: string) {
  const headers: ParsedProxyHeader[] = []
  const srv = await tcpServer(t, (s) => {
    let buf = Buffer.alloc(0)
    let parsed = false
    s.on('data', (c: Buffer) => {
      if (parsed) return void s.write(c)
      buf = Buffer.concat([buf, c])
      try {
        const r = parseProxyV1(buf)
        if (r === undefined) return
        parsed = true
        headers.push(r.header)
        if (r.rest.length > 0) s.write(r.rest)
      } catch {
        s.destroy()
      }
    })
    s.on('end', () => s.end())
  }, host)
  return { port: srv.port, headers }
}

/** Sends a payload through `port`, expects it echoed after the target stripped the header; returns the user socket's local port. */
async function echoThrough(host: string, port: number): Promise<number> {
  const payload = randomBytes(50_000)
  const s = connect({ host, port })
  s.on('error', () => {})
  const chunks: Buffer[] = []
  let got = 0
  await once(s, 'connect')
  const localPort = s.localPort!
  const done = new Promise<void>((resolve, reject) => {
    s.on('data', (c: Buffer) => {
      chunks.push(c)
      got += c.length
      if (got >= payload.length) resolve()
    })
    s.on('close', () => reject(new Error(`closed after ${got} bytes`)))
  })
  s.write(payload)
  await done
  s.destroy()
  assert.equal(sha256(Buffer.concat(chunks)), sha256(payload))
  return localPort
}

for (const family of ['IPv4', 'IPv6'] as const) {
  const host = family === 'IPv4' ? '127.0.0.1' : '::1'
  const fam = family === 'IPv4' ? 'TCP4' : 'TCP6'

  test(`proxy=1 reverse mode (${family}): the client-side target gets the user's address first`, async (t) => {
    const target = await proxyTarget(t, host)
    const tunnelPort = await freePort()
    const publicPort = await freePort(host)
    await startPair(
      t,
      serverCfg(tunnelPort, [], { targets: [{ host, port: publicPort }] }),
      clientCfg(tunnelPort, [], { targets: [{ host, port: target.port }], proxy: true }),
    )
    const userPort = await echoThrough(host, publicPort)
    assert.deepEqual(target.headers, [{ family: fam, srcHost: host, srcPort: userPort, dstHost: host, dstPort: target.port }])
  })

  test(`proxy=1 forward mode (${family}): the server-side target gets the user's address first`, async (t) => {
    const target = await proxyTarget(t, host)
    const tunnelPort = await freePort()
    const publicPort = await freePort(host)
    await startPair(
      t,
      serverCfg(tunnelPort, [], { targets: [{ host, port: target.port }], mode: 2, proxy: true }),
      clientCfg(tunnelPort, [], { targets: [{ host, port: publicPort }] }),
    )
    const userPort = await echoThrough(host, publicPort)
    assert.deepEqual(target.headers, [{ family: fam, srcHost: host, srcPort: userPort, dstHost: host, dstPort: target.port }])
  })

  test(`proxy=1 single-end (${family}): the target gets the user's address first`, async (t) => {
    const target = await proxyTarget(t, host)
    const listen = await freePort(host)
    await startSingle(t, clientCfg(listen, [], { tunnel: { host, port: listen }, targets: [{ host, port: target.port }], proxy: true }))
    const userPort = await echoThrough(host, listen)
    assert.deepEqual(target.headers, [{ family: fam, srcHost: host, srcPort: userPort, dstHost: host, dstPort: target.port }])
  })
}

/** Connects, writes `hello`, and reports whether the tunnel closed the connection (true) or echoed (false). */
async function refused(port: number, hello: Buffer): Promise<boolean> {
  const s = connect(port, '127.0.0.1')
  s.on('error', () => {})
  await once(s, 'connect')
  s.write(hello)
  const r = await Promise.race([once(s, 'data').then(() => false), once(s, 'close').then(() => true)])
  s.destroy()
  return r
}

test('block=123 through a reverse tunnel: SOCKS4/5, HTTP and TLS refused with WARN lines; other traffic and banner-first targets pass', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const banner = await tcpServer(t, (s) => s.write('SSH-2.0-Banner_1.0\r\n'))
  const tunnelPort = await freePort()
  const publicPort = await freePort()
  const bannerPort = await freePort()
  // Two reverse tunnels with block=123: one to an echo target, one to a server-speaks-first target.
  const { server } = await startPair(t, serverCfg(tunnelPort, [publicPort], { block: { socks: true, http: true, tls: true } }), clientCfg(tunnelPort, [echo.port]))
  const tunnel2 = await freePort()
  await startPair(t, serverCfg(tunnel2, [bannerPort], { block: { socks: true, http: true, tls: true } }), clientCfg(tunnel2, [banner.port]))

  assert.equal(await refused(publicPort, Buffer.from([0x05, 0x01, 0x00])), true, 'SOCKS5')
  assert.equal(await refused(publicPort, Buffer.from([0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0])), true, 'SOCKS4')
  assert.equal(await refused(publicPort, Buffer.from('CONNECT example.com:443 HTTP/1.1\r\n\r\n')), true, 'HTTP')
  const hello = await new Promise<Buffer>((resolve) => {
    // A real ClientHello, captured from node:tls over a local socket pair.
    const srv = tcpServer(t, (s) => s.once('data', (c: Buffer) => resolve(c)))
    void srv.then(({ port }) => {
      const c = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      c.on('error', () => {})
      t.after(() => c.destroy())
    })
  })
  assert.equal(await refused(publicPort, hello), true, 'TLS')
  for (const p of ['SOCKS5', 'SOCKS4', 'HTTP', 'TLS']) {
    assert.ok(server.lines.some((l) => new RegExp(`WARN  blocked ${p} protocol from 127\\.0\\.0\\.1:\\d+$`).test(l)), `no WARN for ${p}`)
  }
  // Ordinary bytes pass intact.
  const payload = randomBytes(200_000)
  const s = connect(publicPort, '127.0.0.1')
  s.on('error', () => {})
  const chunks: Buffer[] = []
  let got = 0
  const done = new Promise<void>((r) => s.on('data', (c: Buffer) => {
    chunks.push(c)
    if ((got += c.length) >= payload.length) r()
  }))
  await once(s, 'connect')
  s.write(payload)
  await done
  s.destroy()
  assert.equal(sha256(Buffer.concat(chunks)), sha256(payload))
  // A client that waits for the server's banner is not stalled by sniffing.
  const b = connect(bannerPort, '127.0.0.1')
  b.on('error', () => {})
  t.after(() => b.destroy())
  const [first] = (await withTimeout(once(b, 'data'), 20_000, 'banner')) as [Buffer]
  assert.equal(first.toString(), 'SSH-2.0-Banner_1.0\r\n')
})

test('block=1 in single-end mode refuses SOCKS5 only', async (t) => {
  const echo = await tcpEcho()
  t.after(() => echo.close())
  const listen = await freePort()
  const c = await startSingle(t, clientCfg(listen, [echo.port], { block: { socks: true, http: false, tls: false } }))
  assert.equal(await refused(listen, Buffer.from([0x05, 0x02, 0x00, 0x02])), true)
  assert.equal(await refused(listen, Buffer.from('GET / HTTP/1.1\r\n\r\n')), false)
  await until(() => c.lines.some((l) => /WARN {2}blocked SOCKS5 protocol from 127\.0\.0\.1:\d+$/.test(l)), 2000, 'WARN line')
  assert.equal(c.lines.filter((l) => l.includes('blocked')).length, 1)
})
