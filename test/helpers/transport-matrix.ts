// The tunnel integration matrix every pool type runs: reverse and forward mode with TCP bulk (SHA-256), 200
// concurrent echoes, UDP datagram echo; wrong key refused; a foreign address refused; server restart recovered.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { runTunnel } from '../../src/tunnel/run.js'
import type { TlsConfig } from '../../src/url/types.js'
import type { PoolKind } from '../../src/wire.js'
import { clientCfg, memLogger, testTunables } from './config.js'
import { sha256, tcpEchoExact, tcpRoundTrip, until, withTimeout } from './net.js'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { ready, startPair, udpEchoSizes, UDP_SIZES } from './transport-pair.js'

export interface MatrixOptions {
  readonly tls: TlsConfig
  /** The transport carries a TCP half-close (h2, QUIC); WebSocket's close is a full close. */
  readonly halfClose: boolean
  readonly bulkBytes: number
  /** Informal throughput lines for the report (never asserted). */
  readonly note?: (line: string) => void
  /** Which parts to register (default all), so a slow transport can spread them over files run in parallel. */
  readonly parts?: ReadonlyArray<'reverse' | 'forward' | 'faults'>
}

async function concurrentEchoes(port: number, n: number, size: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: n }, () => tcpEchoExact(port, size)))
  for (const r of results) assert.equal(r.got, r.sent)
}

export function transportMatrix(type: PoolKind, o: MatrixOptions): void {
  const note = o.note ?? ((line: string) => process.env.NP_TEST_THROUGHPUT && process.stderr.write(`${line}\n`))
  const parts = o.parts ?? ['reverse', 'forward', 'faults']
  for (const forward of [false, true]) {
    const mode = forward ? 'forward' : 'reverse'
    if (!parts.includes(mode)) continue
    test(`${type} ${mode}: TCP bulk, 200 concurrent echoes, UDP datagrams`, async (t) => {
      const p = await startPair(t, { type, tls: o.tls, forward })
      const t0 = performance.now()
      const bulk = await tcpEchoExact(p.publicPort, o.bulkBytes, '127.0.0.1', 120_000)
      const ms = performance.now() - t0
      assert.equal(bulk.got, bulk.sent)
      note(`[throughput] ${type} ${mode}: ${o.bulkBytes >> 20} MiB each way in ${ms.toFixed(0)} ms = ${((o.bulkBytes / ms) * 1000 / 1e6).toFixed(1)} MB/s per direction`)
      if (o.halfClose) {
        const payload = randomBytes(1 << 20)
        assert.equal(sha256(await tcpRoundTrip(p.publicPort, payload)), sha256(payload))
      }
      const c0 = performance.now()
      await concurrentEchoes(p.publicPort, 200, 64 << 10)
      note(`[throughput] ${type} ${mode}: 200 x 64 KiB concurrent echoes in ${(performance.now() - c0).toFixed(0)} ms`)
      await udpEchoSizes(p.publicPort, UDP_SIZES)
    })
  }

  if (!parts.includes('faults')) return

  test(`${type}: a wrong tunnel key is refused`, async (t) => {
    const clog = memLogger('debug', 'X ')
    const p = await startPair(t, {
      type,
      tls: o.tls,
      beforeClient: async (tunnelPort) => {
        const bad = runTunnel(clientCfg(tunnelPort, [1], { key: 'wrong-key' }), { log: clog, tunables: testTunables() })
        try {
          await until(() => clog.lines.some((l) => l.includes('Client error: ')), 10_000, 'client error')
        } finally {
          await bad.close()
        }
      },
    })
    const line = clog.lines.find((l) => l.includes('Client error: '))!
    assert.match(line, /Client error: tunnelHandshake: status 401 Unauthorized \(wrong tunnel key\?\) \[NP_ERR_AUTH_FAILED\] hint: use the same tunnel key/)
    assert.ok(p.slog.lines.some((l) => l.includes('Tunnel handshake refused from 127.0.0.1: invalid tunnel key')))
    // The right client still gets through afterwards.
    const r = await tcpEchoExact(p.publicPort, 100_000)
    assert.equal(r.got, r.sent)
  })

  test(`${type}: after the handshake, a connection to the tunnel port from another address is closed unanswered`, async (t) => {
    const p = await startPair(t, { type, tls: o.tls })
    // What the handshaken client would send (TLS, then an HTTP request), from 127.0.0.2: the tunnel closes it before
    // the TLS handshake completes, whatever the type; admitted, it would get a TLS session and an answer.
    const tcp = connect({ host: '127.0.0.1', port: p.tunnelPort, localAddress: '127.0.0.2' })
    const s = tlsConnect({ socket: tcp, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] })
    let secured = false
    let got = 0
    s.on('secureConnect', () => {
      secured = true
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    })
    s.on('data', (d: Buffer) => (got += d.length))
    s.on('error', () => {})
    // (events.once would reject on the reset that may come first)
    await withTimeout(new Promise((resolve) => s.once('close', resolve)), 10_000, 'the foreign connection to close')
    assert.deepEqual({ secured, got }, { secured: false, got: 0 })
    // The handshaken client still gets through.
    const r = await tcpEchoExact(p.publicPort, 100_000)
    assert.equal(r.got, r.sent)
  })

  test(`${type}: the client recovers after a server restart`, async (t) => {
    const p = await startPair(t, { type, tls: o.tls })
    await p.server.close()
    const from = p.cstates.length
    const slog = memLogger('debug', 'S2 ')
    p.server = runTunnel(p.serverCfg, { log: slog, tunables: testTunables() })
    const t0 = performance.now()
    await ready(p, from)
    note(`[restart] ${type}: tunnel ready again ${(performance.now() - t0).toFixed(0)} ms after the new server started`)
    const r = await tcpEchoExact(p.publicPort, 1 << 20)
    assert.equal(r.got, r.sent)
    await udpEchoSizes(p.publicPort, [1, 512, 8192])
  })
}
