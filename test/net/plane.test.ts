import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { createDataPlane, paced, replay, type Sniffed } from '../../src/net/plane.js'
import { createTokenBucket } from '../../src/net/rate.js'
import { remoteOf } from '../../src/net/addr.js'
import { parseProxyV1 } from '../../src/net/proxy-protocol.js'
import type { ClientConfig } from '../../src/url/types.js'
import { memoryLogger, sha256, tcpServer } from '../helpers/net-fixtures.js'

function config(over: Partial<ClientConfig>): ClientConfig {
  return {
    role: 'client', key: 'k', keyIsDefault: false, tunnel: { host: '127.0.0.1', port: 1 }, targets: [{ host: '127.0.0.1', port: 1 }],
    log: 'debug', dns: { ttlMs: 1000, servers: [] }, lbs: 'round-robin', mode: 1, dial: 'auto', readMs: 0, rate: 0, slot: 0,
    proxy: false, block: { socks: false, http: false, tls: false }, notcp: false, noudp: false, sni: 'none', min: 1, max: 1,
    ...over,
  }
}

function sinkFirstStream(): { got: Promise<Buffer>; onConn: (s: Socket) => void } {
  let relayed!: (b: Buffer) => void
  const got = new Promise<Buffer>((r) => (relayed = r))
  return {
    got,
    onConn: (s) => {
      const chunks: Buffer[] = []
      s.on('data', (c: Buffer) => chunks.push(c))
      s.on('end', () => relayed(Buffer.concat(chunks)))
    },
  }
}

test('sniffTcp: block=2 refuses an HTTP client with the WARN line; other bytes are replayed to the relay', async (t) => {
  const { log, lines } = memoryLogger()
  const plane = createDataPlane(config({ block: { socks: false, http: true, tls: false } }), {
    log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000,
  })
  t.after(() => plane.close())
  const sinkSide = sinkFirstStream()
  const sink = await tcpServer(t, sinkSide.onConn)
  const verdicts: Array<Promise<Sniffed | undefined>> = []
  const front = await tcpServer(t, (s: Socket) => {
    const p = plane.sniffTcp(s, remoteOf(s))
    verdicts.push(p)
    void p.then((v) => {
      if (v === undefined) return
      const dest = connect(sink.port, '127.0.0.1')
      dest.on('error', () => {})
      replay(s, v, dest)
      s.pipe(dest)
    })
  })
  const c = connect(front.port, '127.0.0.1')
  c.on('error', () => {})
  t.after(() => c.destroy())
  await once(c, 'connect')
  const port = c.localPort
  c.write('GET / HTTP/1.1\r\n\r\n')
  await once(c, 'close')
  assert.equal(await verdicts[0], undefined)
  assert.ok(lines.some((l) => l.endsWith(`WARN  blocked HTTP protocol from 127.0.0.1:${port}`)), lines.join('\n'))
  const ok = connect(front.port, '127.0.0.1')
  ok.on('error', () => {})
  t.after(() => ok.destroy())
  await once(ok, 'connect')
  const payload = Buffer.concat([Buffer.from('hello, not HTTP'), randomBytes(100_000)])
  ok.end(payload)
  assert.equal(sha256(await sinkSide.got), sha256(payload))
})

test('bytes sniffed before an EOF are replayed straight to the destination, which is then ended', async (t) => {
  const { log } = memoryLogger()
  const plane = createDataPlane(config({ block: { socks: true, http: true, tls: true } }), {
    log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000,
  })
  t.after(() => plane.close())
  const sinkSide = sinkFirstStream()
  const sink = await tcpServer(t, sinkSide.onConn)
  const ended: boolean[] = []
  const front = await tcpServer(t, (s: Socket) => {
    void plane.sniffTcp(s, remoteOf(s)).then((v) => {
      ended.push(v!.ended)
      const dest = connect(sink.port, '127.0.0.1')
      dest.on('error', () => {})
      replay(s, v!, dest)
      s.pipe(dest)
    })
  })
  const c = connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true })
  c.on('error', () => {})
  t.after(() => c.destroy())
  c.end(Buffer.from([0x05]))
  assert.deepEqual([...(await sinkSide.got)], [0x05])
  assert.deepEqual(ended, [true])
})

test('dialTarget writes the PROXY header with the user address before anything else', async (t) => {
  let gotHeader!: (b: Buffer) => void
  const header = new Promise<Buffer>((r) => (gotHeader = r))
  const target = await tcpServer(t, (s) => s.once('data', (c: Buffer) => gotHeader(c)))
  const { log } = memoryLogger()
  const plane = createDataPlane(config({ proxy: true, targets: [{ host: '127.0.0.1', port: target.port }] }), {
    log, tcpDialTimeoutMs: 1000, udpDialTimeoutMs: 1000,
  })
  t.after(() => plane.close())
  const d = await plane.dialTarget({ host: '::ffff:198.51.100.7', port: 40000 })
  d.socket.on('error', () => {})
  t.after(() => d.socket.destroy())
  const parsed = parseProxyV1(await header)!
  assert.deepEqual(parsed.header, { family: 'TCP4', srcHost: '198.51.100.7', srcPort: 40000, dstHost: '127.0.0.1', dstPort: target.port })
})

test('paced runs at once while tokens last, then in order once paid', async () => {
  const bucket = createTokenBucket(1000)
  const order: number[] = []
  paced(bucket, 900, () => order.push(1))
  paced(undefined, 1e9, () => order.push(2))
  let done!: () => void
  const last = new Promise<void>((r) => (done = r))
  paced(bucket, 500, () => order.push(3))
  paced(bucket, 10, () => {
    order.push(4)
    done()
  })
  assert.deepEqual(order, [1, 2])
  await last
  assert.deepEqual(order, [1, 2, 3, 4])
  bucket.close()
})
